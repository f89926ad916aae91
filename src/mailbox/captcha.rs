//! The 验证码 image: a few characters drawn by our own stroke font into a
//! pixel buffer, each turned, scaled and shifted at random, over noise
//! curves and dots, sent as PNG. The answer never leaves the server in
//! readable form (no text in the image file); it is stored with the
//! challenge (see `db::captchas`) and used once.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

use crate::auth::token;

/// The characters a captcha uses: digits and capitals that cannot be taken
/// for one another in a distorted drawing.
pub const ALPHABET: &str = "2345679ACEFHKMNPRTUWXY";
/// Characters per captcha.
pub const LEN: usize = 5;
/// Image width in pixels.
pub const WIDTH: u32 = 150;
/// Image height in pixels.
pub const HEIGHT: u32 = 50;

/// A small generator seeded from the OS (xorshift64*): the drawing needs
/// many cheap numbers, not cryptographic ones; the answer itself comes
/// straight from the OS generator.
struct Rng(u64);

impl Rng {
    /// The distortions of one challenge: drawn from its id, so that showing
    /// the image again gives the same picture (nothing to gain by asking for
    /// it many times), while the answer stays the random one stored.
    fn for_challenge(id: &str) -> Rng {
        let d = token::digest(&format!("fupin-captcha-drawing:{id}"));
        let seed = u64::from_str_radix(&d[..16], 16).unwrap_or(0x9e37_79b9);
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let unit = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * unit
    }
}

/// A new answer.
pub fn new_answer() -> String {
    let alphabet: Vec<char> = ALPHABET.chars().collect();
    token::random_bytes(LEN)
        .into_iter()
        .map(|b| alphabet[usize::from(b) % alphabet.len()])
        .collect()
}

/// Whether a typed answer matches: for an image, case and spaces ignored;
/// for a 算术题 (see [`super::sum`]), the result in digits or numerals.
pub fn answer_matches(expected: &str, typed: &str) -> bool {
    if super::sum::is_sum(expected) {
        return super::sum::sum_matches(expected, typed);
    }
    let typed: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    token::same(&typed, expected)
}

type Stroke = &'static [(f32, f32)];

/// The glyphs on a 4 × 6 grid (x right, y down), as polylines.
fn glyph(c: char) -> &'static [Stroke] {
    match c {
        '2' => &[&[
            (0.0, 1.0),
            (1.0, 0.0),
            (3.0, 0.0),
            (4.0, 1.0),
            (4.0, 2.2),
            (0.0, 6.0),
            (4.0, 6.0),
        ]],
        '3' => &[&[
            (0.0, 0.0),
            (4.0, 0.0),
            (1.8, 2.6),
            (3.4, 3.0),
            (4.0, 4.4),
            (3.0, 6.0),
            (1.0, 6.0),
            (0.0, 5.0),
        ]],
        '4' => &[&[(3.0, 6.0), (3.0, 0.0), (0.0, 4.2), (4.0, 4.2)]],
        '5' => &[&[
            (4.0, 0.0),
            (0.4, 0.0),
            (0.0, 2.6),
            (3.0, 2.4),
            (4.0, 3.6),
            (4.0, 5.0),
            (3.0, 6.0),
            (0.0, 6.0),
        ]],
        '6' => &[&[
            (3.6, 0.0),
            (1.2, 1.0),
            (0.0, 3.4),
            (0.0, 5.0),
            (1.0, 6.0),
            (3.0, 6.0),
            (4.0, 5.0),
            (4.0, 4.0),
            (3.0, 3.0),
            (1.0, 3.0),
            (0.0, 4.0),
        ]],
        '7' => &[&[(0.0, 0.0), (4.0, 0.0), (1.4, 6.0)]],
        '9' => &[&[
            (4.0, 2.0),
            (3.0, 3.0),
            (1.0, 3.0),
            (0.0, 2.0),
            (0.0, 1.0),
            (1.0, 0.0),
            (3.0, 0.0),
            (4.0, 1.0),
            (4.0, 3.0),
            (3.0, 5.0),
            (1.0, 6.0),
        ]],
        'A' => &[
            &[(0.0, 6.0), (2.0, 0.0), (4.0, 6.0)],
            &[(0.9, 3.8), (3.1, 3.8)],
        ],
        'C' => &[&[
            (4.0, 1.0),
            (3.0, 0.0),
            (1.0, 0.0),
            (0.0, 1.5),
            (0.0, 4.5),
            (1.0, 6.0),
            (3.0, 6.0),
            (4.0, 5.0),
        ]],
        'E' => &[
            &[(4.0, 0.0), (0.0, 0.0), (0.0, 6.0), (4.0, 6.0)],
            &[(0.0, 3.0), (3.0, 3.0)],
        ],
        'F' => &[
            &[(4.0, 0.0), (0.0, 0.0), (0.0, 6.0)],
            &[(0.0, 3.0), (3.0, 3.0)],
        ],
        'H' => &[
            &[(0.0, 0.0), (0.0, 6.0)],
            &[(4.0, 0.0), (4.0, 6.0)],
            &[(0.0, 3.0), (4.0, 3.0)],
        ],
        'K' => &[
            &[(0.0, 0.0), (0.0, 6.0)],
            &[(4.0, 0.0), (0.0, 3.6)],
            &[(1.3, 2.6), (4.0, 6.0)],
        ],
        'M' => &[&[(0.0, 6.0), (0.0, 0.0), (2.0, 4.0), (4.0, 0.0), (4.0, 6.0)]],
        'N' => &[&[(0.0, 6.0), (0.0, 0.0), (4.0, 6.0), (4.0, 0.0)]],
        'P' => &[&[
            (0.0, 6.0),
            (0.0, 0.0),
            (3.0, 0.0),
            (4.0, 1.0),
            (4.0, 2.0),
            (3.0, 3.0),
            (0.0, 3.0),
        ]],
        'R' => &[
            &[
                (0.0, 6.0),
                (0.0, 0.0),
                (3.0, 0.0),
                (4.0, 1.0),
                (4.0, 2.0),
                (3.0, 3.0),
                (0.0, 3.0),
            ],
            &[(2.0, 3.0), (4.0, 6.0)],
        ],
        'T' => &[&[(0.0, 0.0), (4.0, 0.0)], &[(2.0, 0.0), (2.0, 6.0)]],
        'U' => &[&[
            (0.0, 0.0),
            (0.0, 4.6),
            (1.0, 6.0),
            (3.0, 6.0),
            (4.0, 4.6),
            (4.0, 0.0),
        ]],
        'W' => &[&[(0.0, 0.0), (1.0, 6.0), (2.0, 2.2), (3.0, 6.0), (4.0, 0.0)]],
        'X' => &[&[(0.0, 0.0), (4.0, 6.0)], &[(4.0, 0.0), (0.0, 6.0)]],
        'Y' => &[
            &[(0.0, 0.0), (2.0, 3.0), (4.0, 0.0)],
            &[(2.0, 3.0), (2.0, 6.0)],
        ],
        _ => &[],
    }
}

/// Blends `colour` into the pixel at `(x, y)` with coverage `a` (0–1).
fn blend(img: &mut RgbImage, x: i64, y: i64, colour: [u8; 3], a: f32) {
    if x < 0 || y < 0 || x >= i64::from(img.width()) || y >= i64::from(img.height()) {
        return;
    }
    let p = img.get_pixel_mut(x as u32, y as u32);
    for (channel, c) in p.0.iter_mut().zip(colour) {
        let v = f32::from(*channel) * (1.0 - a) + f32::from(c) * a;
        *channel = v.round().clamp(0.0, 255.0) as u8;
    }
}

/// Draws a thick anti-aliased segment: each pixel near it is covered by
/// how far it lies inside the stroke's half-width.
fn segment(img: &mut RgbImage, a: (f32, f32), b: (f32, f32), width: f32, colour: [u8; 3]) {
    let r = width / 2.0;
    let (x0, x1) = (a.0.min(b.0) - r - 1.0, a.0.max(b.0) + r + 1.0);
    let (y0, y1) = (a.1.min(b.1) - r - 1.0, a.1.max(b.1) + r + 1.0);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = (dx * dx + dy * dy).max(1e-6);
    for y in y0.floor() as i64..=y1.ceil() as i64 {
        for x in x0.floor() as i64..=x1.ceil() as i64 {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0);
            let (cx, cy) = (a.0 + t * dx - px, a.1 + t * dy - py);
            let d = (cx * cx + cy * cy).sqrt();
            let cover = (r + 0.5 - d).clamp(0.0, 1.0);
            if cover > 0.0 {
                blend(img, x, y, colour, cover);
            }
        }
    }
}

/// Draws `answer` as a PNG image `scale` times the normal size (1 to 3),
/// for the enlarged view: drawn at the normal size and magnified, so the
/// larger image is no easier for a program than the smaller one.
pub fn render_png_scaled(id: &str, answer: &str, scale: u32) -> anyhow::Result<Vec<u8>> {
    let scale = scale.clamp(1, 3);
    if scale == 1 {
        return render_png(id, answer);
    }
    let small = image::load_from_memory(&render_png(id, answer)?)?.to_rgb8();
    let big = image::imageops::resize(
        &small,
        WIDTH * scale,
        HEIGHT * scale,
        image::imageops::FilterType::Triangle,
    );
    let mut out = Cursor::new(Vec::new());
    big.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// Draws `answer` as a PNG image.
pub fn render_png(id: &str, answer: &str) -> anyhow::Result<Vec<u8>> {
    let mut rng = Rng::for_challenge(id);
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, Rgb([246, 244, 238]));
    // Speckles and two thin curves behind the characters.
    for _ in 0..260 {
        let x = rng.range(0.0, WIDTH as f32) as i64;
        let y = rng.range(0.0, HEIGHT as f32) as i64;
        let g = rng.range(120.0, 200.0) as u8;
        blend(&mut img, x, y, [g, g, g], 0.8);
    }
    for _ in 0..2 {
        curve(&mut img, &mut rng, 1.2);
    }
    let n = answer.chars().count().max(1) as f32;
    let cell = (WIDTH as f32 - 16.0) / n;
    for (i, c) in answer.chars().enumerate() {
        let scale = rng.range(4.4, 5.6);
        let angle = rng.range(-0.38, 0.38);
        let skew = rng.range(-0.25, 0.25);
        let cx = 8.0 + cell * (i as f32 + 0.5) + rng.range(-2.5, 2.5);
        let cy = HEIGHT as f32 / 2.0 + rng.range(-3.5, 3.5);
        let colour = [
            rng.range(20.0, 90.0) as u8,
            rng.range(20.0, 70.0) as u8,
            rng.range(60.0, 130.0) as u8,
        ];
        let (sin, cos) = angle.sin_cos();
        let place = |(gx, gy): (f32, f32)| {
            let (x, y) = ((gx - 2.0) * scale, (gy - 3.0) * scale);
            let x = x + skew * y;
            (cx + x * cos - y * sin, cy + x * sin + y * cos)
        };
        let width = rng.range(2.6, 3.4);
        for stroke in glyph(c) {
            for pair in stroke.windows(2) {
                segment(&mut img, place(pair[0]), place(pair[1]), width, colour);
            }
        }
    }
    // One curve across the characters, so they cannot be cut apart by
    // colour alone.
    curve(&mut img, &mut rng, 1.6);
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

fn curve(img: &mut RgbImage, rng: &mut Rng, width: f32) {
    let amp = rng.range(4.0, 12.0);
    let freq = rng.range(0.03, 0.08);
    let phase = rng.range(0.0, std::f32::consts::TAU);
    let base = rng.range(15.0, 35.0);
    let g = rng.range(80.0, 160.0) as u8;
    let mut prev = (0.0, base + amp * phase.sin());
    let mut x = 4.0;
    while x <= WIDTH as f32 {
        let next = (x, base + amp * (freq * x + phase).sin());
        segment(img, prev, next, width, [g, g.saturating_sub(30), g]);
        prev = next;
        x += 4.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_of_the_alphabet_has_a_glyph() {
        for c in ALPHABET.chars() {
            assert!(!glyph(c).is_empty(), "{c}");
        }
        let a = new_answer();
        assert_eq!(a.chars().count(), LEN);
        assert!(a.chars().all(|c| ALPHABET.contains(c)));
    }

    #[test]
    fn answers_compare_loosely_on_case_only() {
        assert!(answer_matches("AC3K9", " ac3k9 "));
        assert!(!answer_matches("AC3K9", "AC3K"));
        assert!(!answer_matches("AC3K9", ""));
    }

    #[test]
    fn the_image_is_a_png_with_ink_in_it() {
        let png = render_png("c1", "AC3K9").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!((img.width(), img.height()), (WIDTH, HEIGHT));
        let big = image::load_from_memory(&render_png_scaled("c1", "AC3K9", 3).unwrap()).unwrap();
        assert_eq!((big.width(), big.height()), (WIDTH * 3, HEIGHT * 3));
        assert!(answer_matches("23+6", "二十九"));
        assert!(!answer_matches("23+6", "23+6"));
        let dark = img
            .pixels()
            .filter(|p| p.0.iter().all(|v| *v < 140))
            .count();
        assert!(dark > 300, "{dark} dark pixels");
    }
}
