//! CSV for spreadsheets: every cell quoted, quotes doubled, rows ended by
//! CRLF, a UTF-8 byte-order mark first (so Excel reads Chinese), and cells
//! that a spreadsheet would run as a formula neutralised with a leading `'`
//! (`= + - @`, their full-width forms, tab and carriage return).

/// The byte-order mark that starts every export.
pub const BOM: &str = "\u{feff}";

/// One cell, quoted, with a formula start neutralised.
pub fn cell(value: &str) -> String {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']);
    let mut out = String::with_capacity(value.len() + 3);
    out.push('"');
    if risky {
        out.push('\'');
    }
    out.push_str(&value.replace('"', "\"\""));
    out.push('"');
    out
}

/// One row.
pub fn row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_quotes_doubled() {
        assert_eq!(cell("=1+1"), "\"'=1+1\"");
        assert_eq!(cell("+86 20"), "\"'+86 20\"");
        assert_eq!(cell("-2"), "\"'-2\"");
        assert_eq!(cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(cell("\tx"), "\"'\tx\"");
        assert_eq!(cell("＝HYPERLINK()"), "\"'＝HYPERLINK()\"");
        assert_eq!(cell("说\"好\""), "\"说\"\"好\"\"\"");
        assert_eq!(cell("a=b"), "\"a=b\"");
        assert_eq!(row(&["a", "b\nc"]), "\"a\",\"b\nc\"\r\n");
    }
}
