//! Deciding what an upload is from its bytes alone. The file name and the
//! browser's Content-Type are never consulted for the decision: a PHP script
//! named `photo.jpg` is text, and text is refused. Only the name's extension
//! is used afterwards, to pick among names of the same binary family (an
//! OLE2 file may be a `.doc`, `.xls` or `.wps`).

use image::ImageFormat;

/// What the bytes turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detected {
    /// A picture in one of the accepted formats; it will be re-encoded.
    Image(ImageFormat),
    /// A document kept as sent.
    Document(DocType),
}

/// The document families accepted as attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocType {
    /// PDF.
    Pdf,
    /// An OLE2 compound file: .doc, .xls, .ppt and WPS's .wps, .et, .dps.
    Ole2,
    /// Office Open XML: a zip with `word/`, `xl/` or `ppt/` parts.
    Ooxml(&'static str),
    /// OpenDocument: a zip whose first entry names its type.
    Odf(&'static str),
}

impl DocType {
    /// Extensions a download of this family may carry; the first is the default.
    pub(crate) fn extensions(self) -> &'static [&'static str] {
        match self {
            DocType::Pdf => &["pdf"],
            DocType::Ole2 => &["doc", "xls", "ppt", "wps", "et", "dps", "dot", "xlt", "pot"],
            DocType::Ooxml("docx") => &["docx", "dotx", "wps"],
            DocType::Ooxml("xlsx") => &["xlsx", "xltx", "et"],
            DocType::Ooxml(_) => &["pptx", "potx", "ppsx", "dps"],
            DocType::Odf("odt") => &["odt"],
            DocType::Odf("ods") => &["ods"],
            DocType::Odf(_) => &["odp"],
        }
    }

    /// The MIME type for a stored file with extension `ext`.
    pub(crate) fn mime(self, ext: &str) -> &'static str {
        match (self, ext) {
            (DocType::Pdf, _) => "application/pdf",
            (DocType::Ole2, "doc" | "dot") => "application/msword",
            (DocType::Ole2, "xls" | "xlt") => "application/vnd.ms-excel",
            (DocType::Ole2, "ppt" | "pot") => "application/vnd.ms-powerpoint",
            (DocType::Ooxml("docx"), _) => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            (DocType::Ooxml("xlsx"), _) => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            (DocType::Ooxml(_), _) => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            (DocType::Odf("odt"), _) => "application/vnd.oasis.opendocument.text",
            (DocType::Odf("ods"), _) => "application/vnd.oasis.opendocument.spreadsheet",
            (DocType::Odf(_), _) => "application/vnd.oasis.opendocument.presentation",
            // WPS's own OLE2 names have no registered type.
            _ => "application/octet-stream",
        }
    }
}

/// The message for anything that is not an accepted type.
pub(crate) const UNSUPPORTED: &str =
    "不支持此文件类型：只能上传 JPEG、PNG、GIF、WebP 图片和 PDF、Word、Excel、WPS 文档。";

/// Decides the type of an upload, or says in Chinese why it is refused.
pub(crate) fn detect(bytes: &[u8]) -> Result<Detected, String> {
    if bytes.is_empty() {
        return Err("文件是空的。".into());
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Detected::Image(ImageFormat::Jpeg));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Detected::Image(ImageFormat::Png));
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Ok(Detected::Image(ImageFormat::Gif));
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(Detected::Image(ImageFormat::WebP));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(Detected::Document(DocType::Pdf));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok(Detected::Document(DocType::Ole2));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return zip_document(bytes).map(Detected::Document);
    }
    if is_executable(bytes) {
        return Err("不能上传程序或脚本文件。".into());
    }
    if looks_like_markup(bytes) {
        return Err(
            "不能上传网页、SVG 或 XML 文件：只能上传 JPEG、PNG、GIF、WebP 图片和 PDF、Word、Excel、WPS 文档。"
                .into(),
        );
    }
    Err(UNSUPPORTED.into())
}

fn is_executable(bytes: &[u8]) -> bool {
    const SIGNATURES: &[&[u8]] = &[
        b"MZ",               // Windows PE
        b"\x7fELF",          // Linux
        b"#!",               // scripts
        b"\xCA\xFE\xBA\xBE", // Mach-O universal, Java class
        b"\xCF\xFA\xED\xFE", // Mach-O 64
        b"\xCE\xFA\xED\xFE", // Mach-O 32
        b"<?php",            // PHP
        b"<%",               // ASP, JSP
    ];
    SIGNATURES.iter().any(|s| bytes.starts_with(s))
}

/// Text that starts (after a BOM and white space) with `<`: HTML, SVG, XML.
fn looks_like_markup(bytes: &[u8]) -> bool {
    let rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let rest = rest
        .strip_prefix(b"\xFF\xFE")
        .or_else(|| rest.strip_prefix(b"\xFE\xFF"))
        .unwrap_or(rest);
    rest.iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0)
        .is_some_and(|b| *b == b'<')
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?)).ok()
}

/// The names of a zip's entries, read from its central directory.
fn zip_entry_names(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    // The end record is in the last 22 + 65535 bytes (its comment may be long).
    let floor = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (floor..=bytes.len().checked_sub(22)?)
        .rev()
        .find(|&i| bytes[i..].starts_with(b"PK\x05\x06"))?;
    let count = u16_at(bytes, eocd + 10)?;
    let mut at = u32_at(bytes, eocd + 16)?;
    let mut names = Vec::with_capacity(count.min(4096));
    for _ in 0..count {
        if !bytes.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let name_len = u16_at(bytes, at + 28)?;
        let extra_len = u16_at(bytes, at + 30)?;
        let comment_len = u16_at(bytes, at + 32)?;
        names.push(bytes.get(at + 46..at + 46 + name_len)?);
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(names)
}

fn zip_document(bytes: &[u8]) -> Result<DocType, String> {
    // OpenDocument: the first entry is an uncompressed `mimetype` file.
    if bytes.get(30..38) == Some(b"mimetype".as_slice()) {
        let extra = u16_at(bytes, 28).unwrap_or(0);
        let data = bytes.get(38 + extra..).unwrap_or_default();
        for (mime, ext) in [
            ("application/vnd.oasis.opendocument.text", "odt"),
            ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
            ("application/vnd.oasis.opendocument.presentation", "odp"),
        ] {
            if data.starts_with(mime.as_bytes()) {
                return Ok(DocType::Odf(ext));
            }
        }
    }
    let Some(names) = zip_entry_names(bytes) else {
        return Err("压缩文件已损坏，无法识别为 Office 或 WPS 文档。".into());
    };
    if names.iter().any(|n| n.ends_with(b"vbaProject.bin")) {
        return Err(
            "含有宏的文档不能上传，请另存为不含宏的格式（如 .docx、.xlsx）后再上传。".into(),
        );
    }
    let has = |prefix: &[u8]| names.iter().any(|n| n.starts_with(prefix));
    if has(b"[Content_Types].xml") {
        if has(b"word/") {
            return Ok(DocType::Ooxml("docx"));
        }
        if has(b"xl/") {
            return Ok(DocType::Ooxml("xlsx"));
        }
        if has(b"ppt/") {
            return Ok(DocType::Ooxml("pptx"));
        }
    }
    Err("压缩文件不是 Word、Excel 或 WPS 文档，不能上传。".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal zip (stored entries, no data) with the given entry names.
    pub(crate) fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for name in names {
            let offset = out.len() as u32;
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&[0; 12]); // crc, sizes
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&(names.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn images_and_documents_by_magic_number() {
        assert_eq!(
            detect(b"\xFF\xD8\xFF\xE0rest"),
            Ok(Detected::Image(ImageFormat::Jpeg))
        );
        assert_eq!(detect(b"GIF89a...."), Ok(Detected::Image(ImageFormat::Gif)));
        assert_eq!(
            detect(b"RIFF\0\0\0\0WEBPVP8 "),
            Ok(Detected::Image(ImageFormat::WebP))
        );
        assert_eq!(detect(b"%PDF-1.7\n"), Ok(Detected::Document(DocType::Pdf)));
        assert_eq!(
            detect(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Ok(Detected::Document(DocType::Ole2))
        );
        let docx = zip_with(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
        assert_eq!(
            detect(&docx),
            Ok(Detected::Document(DocType::Ooxml("docx")))
        );
        let xlsx = zip_with(&["[Content_Types].xml", "xl/workbook.xml"]);
        assert_eq!(
            detect(&xlsx),
            Ok(Detected::Document(DocType::Ooxml("xlsx")))
        );
    }

    #[test]
    fn text_markup_executables_and_plain_zips_are_refused() {
        for bad in [
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".as_slice(),
            b"\xEF\xBB\xBF  <html><script>alert(1)</script>",
            b"<?xml version=\"1.0\"?><x/>",
            b"<?php system($_GET['c']); ?>",
            b"MZ\x90\x00",
            b"\x7fELF\x02\x01",
            b"#!/bin/sh\nrm -rf /",
            b"just some text",
        ] {
            assert!(detect(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(detect(b"<svg/>").unwrap_err().contains("SVG"));
        assert!(detect(&zip_with(&["shell.php"])).is_err());
        assert!(detect(&zip_with(&["[Content_Types].xml", "word/vbaProject.bin"])).is_err());
        assert!(detect(b"PK\x03\x04broken").is_err());
        assert!(detect(b"").is_err());
    }
}
