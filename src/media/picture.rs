//! Re-encoding uploaded pictures. The header is read first and absurd
//! dimensions are refused before a single pixel is decoded; then the pixels
//! are decoded under memory limits, turned upright by their EXIF orientation
//! and written afresh. Nothing but pixels survives: EXIF, XMP, IPTC, ICC
//! profiles, PNG text chunks, GIF comments and colour tables are all left
//! behind, so whatever a payload hid there is gone from the stored file.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat,
    ImageReader, Limits,
};

/// Bounds on what a picture may be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PixelLimits {
    /// Longest allowed side in pixels.
    pub max_side: u32,
    /// Most pixels allowed (width × height).
    pub max_pixels: u64,
    /// Width of thumbnails.
    pub thumb_width: u32,
}

/// A re-encoded picture.
#[derive(Debug)]
pub(crate) struct Encoded {
    /// The new file.
    pub bytes: Vec<u8>,
    /// Its extension, `jpg` or `png`.
    pub ext: &'static str,
    /// Its MIME type.
    pub mime: &'static str,
    /// Width after orientation.
    pub width: u32,
    /// Height after orientation.
    pub height: u32,
    /// A smaller copy in the same format, when the picture is wider.
    pub thumb: Option<Vec<u8>>,
}

/// JPEG quality of re-encoded photos: visually lossless for news pictures.
const JPEG_QUALITY: u8 = 85;

/// Decodes and re-encodes `bytes` (whose format was sniffed as `format`),
/// or says in Chinese why the picture is refused.
pub(crate) fn reencode(
    bytes: &[u8],
    format: ImageFormat,
    limits: PixelLimits,
) -> Result<Encoded, String> {
    let too_big = || {
        format!(
            "图片尺寸过大：每边不能超过 {} 像素，总像素不能超过 {} 万。",
            limits.max_side,
            limits.max_pixels / 10_000
        )
    };
    let broken = |e: ImageError| match e {
        ImageError::Limits(_) => too_big(),
        _ => "图片文件已损坏或格式不正确，无法读取。".to_string(),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decode_limits = Limits::default();
    decode_limits.max_image_width = Some(limits.max_side);
    decode_limits.max_image_height = Some(limits.max_side);
    // Room for the decoded frame as RGBA plus the decoder's own buffers.
    decode_limits.max_alloc = Some(limits.max_pixels * 4 + 64 * 1024 * 1024);
    reader.limits(decode_limits);
    // Only the header has been read once the decoder exists.
    let mut decoder = reader.into_decoder().map_err(broken)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err("图片没有内容（宽或高为 0）。".into());
    }
    if w > limits.max_side || h > limits.max_side || u64::from(w) * u64::from(h) > limits.max_pixels
    {
        return Err(too_big());
    }
    // A corrupt EXIF block must not sink the picture: it is dropped anyway.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(broken)?;
    picture.apply_orientation(orientation);

    let alpha = picture.color().has_alpha();
    let as_jpeg = match format {
        ImageFormat::Jpeg => true,
        ImageFormat::WebP => !alpha,
        _ => false,
    };
    let encode = |p: &DynamicImage| -> Result<Vec<u8>, String> {
        let failed = |e: ImageError| format!("图片无法重新编码：{e}");
        let mut out = Vec::new();
        let (pw, ph) = (p.width(), p.height());
        if as_jpeg {
            let rgb = p.to_rgb8();
            JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .encode(rgb.as_raw(), pw, ph, ExtendedColorType::Rgb8)
                .map_err(failed)?;
        } else {
            let encoder = PngEncoder::new_with_quality(
                &mut out,
                CompressionType::Default,
                FilterType::Adaptive,
            );
            if alpha {
                let rgba = p.to_rgba8();
                encoder
                    .write_image(rgba.as_raw(), pw, ph, ExtendedColorType::Rgba8)
                    .map_err(failed)?;
            } else {
                let rgb = p.to_rgb8();
                encoder
                    .write_image(rgb.as_raw(), pw, ph, ExtendedColorType::Rgb8)
                    .map_err(failed)?;
            }
        }
        Ok(out)
    };
    let bytes = encode(&picture)?;
    let thumb = if picture.width() > limits.thumb_width {
        Some(encode(&picture.thumbnail(limits.thumb_width, u32::MAX))?)
    } else {
        None
    };
    Ok(Encoded {
        bytes,
        ext: if as_jpeg { "jpg" } else { "png" },
        mime: if as_jpeg { "image/jpeg" } else { "image/png" },
        width: picture.width(),
        height: picture.height(),
        thumb,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: PixelLimits = PixelLimits {
        max_side: 12_000,
        max_pixels: 40_000_000,
        thumb_width: 320,
    };

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(img.as_raw(), w, h, ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    /// A PNG whose header claims `w`×`h` with only a token of data after it.
    fn png_header_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        out.extend_from_slice(&13u32.to_be_bytes());
        out.extend_from_slice(&ihdr);
        out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        // A token of pixel data: never reached, since the header is refused.
        for chunk in [b"IDAT\x78\x9c\x03\x00".as_slice(), b"IEND"] {
            out.extend_from_slice(&(chunk.len() as u32 - 4).to_be_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(&crc32(chunk).to_be_bytes());
        }
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for b in data {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn pngs_are_rewritten_and_thumbnailed() {
        let out = reencode(&png(640, 100), ImageFormat::Png, LIMITS).unwrap();
        assert_eq!((out.width, out.height, out.ext), (640, 100, "png"));
        let thumb = image::load_from_memory(out.thumb.as_ref().unwrap()).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 50));
        let small = reencode(&png(100, 80), ImageFormat::Png, LIMITS).unwrap();
        assert!(small.thumb.is_none());
    }

    #[test]
    fn absurd_dimensions_are_refused_from_the_header() {
        for (w, h) in [(100_000, 10), (10, 12_001), (10_000, 10_000)] {
            let err = reencode(&png_header_claiming(w, h), ImageFormat::Png, LIMITS).unwrap_err();
            assert!(err.contains("尺寸过大"), "{w}×{h}: {err}");
        }
        let err = reencode(b"\x89PNG\r\n\x1a\ngarbage", ImageFormat::Png, LIMITS).unwrap_err();
        assert!(err.contains("损坏"), "{err}");
    }
}
