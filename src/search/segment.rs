//! Segmentation: the one place that turns text into search terms, used
//! alike for the index, the query and the highlighting of snippets, so the
//! three always agree.
//!
//! Text is first folded character by character (full-width → half-width,
//! Latin lower case, traditional → simplified), one character for one, so
//! term offsets found in the folded text are offsets in the original. It is
//! then cut by jieba with its dictionary plus the association's words
//! (`data/userdict.txt` and the `search_words` table), without the HMM:
//! HMM guesses depend on the surrounding characters (莞韶园 becomes one guess,
//! 莞韶 another), so the same word could be cut differently in an article and
//! in a query. Instead, characters the dictionary cannot place come out one
//! by one, and a run of such characters is indexed both as single
//! characters and as adjacent pairs; a query matches a run by its pairs, so
//! 连樟 finds 连樟村 but 员服 (two words' edges) does not find 会员服务.
//!
//! Index terms are the cut words plus, for a long word, every dictionary
//! word inside it (search mode, generalised to any length), so 农业 finds
//! 中国农业发展银行. Query terms are the cut words only: a query word is
//! found wherever the index holds it, inside a longer word or alone.

use std::sync::{Arc, Mutex, OnceLock};

use jieba_rs::Jieba;

use super::t2s;

/// The association's words shipped with the program.
pub const USER_DICT: &str = include_str!("../../data/userdict.txt");

/// Words longer than this (in characters) are not searched for inner words.
const MAX_INNER_SPAN: usize = 16;
/// Only the first characters of a query are read (a 10 KB query is noise).
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many distinct terms make a query.
pub const MAX_QUERY_TERMS: usize = 24;

/// Folds one character for search: full-width forms to ASCII, the
/// ideographic space to a space, letters to lower case (when that is one
/// character), traditional to simplified.
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c.is_uppercase() {
        let mut lower = c.to_lowercase();
        if let (Some(l), None) = (lower.next(), lower.next()) {
            return l;
        }
        return c;
    }
    t2s::simplify(c)
}

/// Folds a whole text; the result has as many characters as the input.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// Whether a character is a CJK ideograph (the unified blocks and the
/// compatibility block).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// One search term and where it sits, in characters of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The folded term.
    pub word: String,
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
}

/// What the cutter saw, before terms are derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    /// A word: a dictionary word, a Latin word, a number, a mixed token.
    Word(usize, usize),
    /// One ideograph the dictionary did not join to its neighbours.
    Single(usize, usize),
    /// Punctuation or space: ends a run of single characters.
    Break,
}

/// A jieba instance with the shipped and the stored words.
pub struct Segmenter {
    jieba: Jieba,
    words: Vec<String>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter")
            .field("extra_words", &self.words.len())
            .finish()
    }
}

/// The shipped dictionary's words, one a line, `#` for comments.
pub fn shipped_words() -> impl Iterator<Item = &'static str> {
    USER_DICT
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Segmenter {
    /// The segmenter with the shipped words only (built once: ~0.1 s).
    pub fn base() -> Arc<Segmenter> {
        static BASE: OnceLock<Arc<Segmenter>> = OnceLock::new();
        BASE.get_or_init(|| {
            let mut jieba = Jieba::new();
            for word in shipped_words() {
                jieba.add_word(&fold(word), None, None);
            }
            Arc::new(Segmenter {
                jieba,
                words: Vec::new(),
            })
        })
        .clone()
    }

    /// The segmenter with the shipped words and `words` (the stored ones,
    /// in a stable order). The last few are cached, so asking again with
    /// the same list is cheap.
    pub fn with_words(words: &[String]) -> Arc<Segmenter> {
        static CACHE: Mutex<Vec<Arc<Segmenter>>> = Mutex::new(Vec::new());
        if words.is_empty() {
            return Segmenter::base();
        }
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = cache.iter().find(|s| s.words == words) {
            return found.clone();
        }
        let mut jieba = Segmenter::base().jieba.clone();
        for word in words {
            jieba.add_word(&fold(word), None, None);
        }
        let built = Arc::new(Segmenter {
            jieba,
            words: words.to_vec(),
        });
        if cache.len() >= 4 {
            cache.remove(0);
        }
        cache.push(built.clone());
        built
    }

    /// Cuts folded text into pieces with character offsets.
    fn pieces(&self, folded: &str) -> Vec<Piece> {
        let mut out = Vec::new();
        for token in self.jieba.cut(folded, false) {
            let word = token.word;
            if word.chars().all(char::is_alphanumeric) {
                let single = token.end - token.start == 1 && word.chars().all(is_han);
                out.push(if single {
                    Piece::Single(token.start, token.end)
                } else {
                    Piece::Word(token.start, token.end)
                });
                continue;
            }
            // A token with connectors (`3.5%`, `c++`) or punctuation: keep
            // its alphanumeric runs, break at the rest.
            let mut run_start = None;
            for (i, c) in word.chars().enumerate() {
                let at = token.start + i;
                if c.is_alphanumeric() {
                    run_start.get_or_insert(at);
                } else {
                    if let Some(s) = run_start.take() {
                        out.push(run_piece(folded, s, at));
                    }
                    out.push(Piece::Break);
                }
            }
            if let Some(s) = run_start {
                out.push(run_piece(folded, s, token.end));
            }
        }
        out
    }

    /// The terms to index for a text, with their places.
    pub fn index_terms(&self, text: &str) -> Vec<Term> {
        let folded: Vec<char> = fold(text).chars().collect();
        let folded_str: String = folded.iter().collect();
        let mut out = Vec::new();
        let mut run: Vec<usize> = Vec::new();
        let flush = |run: &mut Vec<usize>, out: &mut Vec<Term>| {
            for (k, &at) in run.iter().enumerate() {
                out.push(term(&folded, at, at + 1));
                if k > 0 && run[k - 1] + 1 == at {
                    out.push(term(&folded, at - 1, at + 1));
                }
            }
            run.clear();
        };
        for piece in self.pieces(&folded_str) {
            match piece {
                Piece::Single(s, _) => run.push(s),
                Piece::Break => flush(&mut run, &mut out),
                Piece::Word(s, e) => {
                    flush(&mut run, &mut out);
                    self.inner_words(&folded, s, e, &mut out);
                    out.push(term(&folded, s, e));
                }
            }
        }
        flush(&mut run, &mut out);
        out
    }

    /// The index terms alone, in text order (duplicates kept: they count).
    pub fn index_words(&self, text: &str) -> Vec<String> {
        self.index_terms(text).into_iter().map(|t| t.word).collect()
    }

    /// The distinct terms of a query, all of which a match must contain.
    /// Punctuation, operators and quotes are dropped; an empty list means
    /// there is nothing to search for.
    pub fn query_terms(&self, query: &str) -> Vec<String> {
        let head: String = query
            .chars()
            .take(MAX_QUERY_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let folded: Vec<char> = fold(&head).chars().collect();
        let folded_str: String = folded.iter().collect();
        let mut out: Vec<String> = Vec::new();
        let mut run: Vec<usize> = Vec::new();
        let push = |out: &mut Vec<String>, word: String| {
            if !out.contains(&word) {
                out.push(word);
            }
        };
        let flush = |run: &mut Vec<usize>, out: &mut Vec<String>| {
            match run.len() {
                0 => {}
                1 => push(out, folded[run[0]].to_string()),
                _ => {
                    // A run of loose characters is matched by its adjacent
                    // pairs, as the index stores them.
                    for pair in run.windows(2) {
                        if pair[0] + 1 == pair[1] {
                            push(out, folded[pair[0]..=pair[1]].iter().collect());
                        }
                    }
                }
            }
            run.clear();
        };
        for piece in self.pieces(&folded_str) {
            match piece {
                Piece::Single(s, _) => {
                    if run.last().is_some_and(|&last| last + 1 != s) {
                        flush(&mut run, &mut out);
                    }
                    run.push(s);
                }
                Piece::Break => flush(&mut run, &mut out),
                Piece::Word(s, e) => {
                    flush(&mut run, &mut out);
                    push(&mut out, folded[s..e].iter().collect());
                }
            }
        }
        flush(&mut run, &mut out);
        out.truncate(MAX_QUERY_TERMS);
        out
    }

    /// Pushes the dictionary words strictly inside the word at `s..e`.
    fn inner_words(&self, folded: &[char], s: usize, e: usize, out: &mut Vec<Term>) {
        let n = e - s;
        if !(3..=MAX_INNER_SPAN).contains(&n) || !folded[s..e].iter().all(|c| is_han(*c)) {
            return;
        }
        let mut buf = String::new();
        for len in 2..n {
            for i in s..=e - len {
                buf.clear();
                buf.extend(&folded[i..i + len]);
                if self.jieba.has_word(&buf) {
                    out.push(term(folded, i, i + len));
                }
            }
        }
    }
}

fn term(folded: &[char], start: usize, end: usize) -> Term {
    Term {
        word: folded[start..end].iter().collect(),
        start,
        end,
    }
}

fn run_piece(folded: &str, start: usize, end: usize) -> Piece {
    let single = end - start == 1 && folded.chars().nth(start).is_some_and(is_han);
    if single {
        Piece::Single(start, end)
    } else {
        Piece::Word(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        Segmenter::base().index_words(text)
    }

    fn query(text: &str) -> Vec<String> {
        Segmenter::base().query_terms(text)
    }

    /// Whether every query term is among the text's index terms.
    fn finds(q: &str, text: &str) -> bool {
        let index = words(text);
        let terms = query(q);
        !terms.is_empty() && terms.iter().all(|t| index.contains(t))
    }

    #[test]
    fn folding_is_one_for_one() {
        let cases = [
            ("ＧＤＰ增长５％", "gdp增长5%"),
            ("扶貧開發", "扶贫开发"),
            ("Ｗｉ－Ｆｉ\u{3000}5G", "wi-fi 5g"),
            ("ÄÖ Straße", "äö straße"),
        ];
        for (from, to) in cases {
            let got = fold(from);
            assert_eq!(got, to);
            assert_eq!(got.chars().count(), from.chars().count());
        }
    }

    #[test]
    fn the_table_of_matches() {
        // (query, text, found)
        let cases: &[(&str, &str, bool)] = &[
            ("农业", "中国农业发展银行广东分行", true),
            ("发展银行", "中国农业发展银行广东分行", true),
            ("员服", "加强会员服务工作", false),
            ("会员服务", "加强会员服务工作", true),
            ("和服", "和服务对象座谈", false),
            ("和服", "穿和服的游客", true),
            ("服务", "和服务对象座谈", true),
            ("GDP", "全市gdp增长8%", true),
            ("gdp", "全市ＧＤＰ增长8%", true),
            ("2013", "2013年9月2日", true),
            ("２０１３", "2013年9月2日", true),
            ("5G", "建设5G基站", true),
            ("5g基站", "建设５Ｇ基站", true),
            ("扶貧", "扶贫开发", true),
            ("扶贫", "扶貧開發", true),
            ("莞韶", "莞韶产业园开工", true),
            ("莞韶", "东莞韶关两地", false),
            ("连南", "连南瑶族自治县", true),
            ("连樟", "英德市连樟村", true),
            ("双到", "扶贫开发双到工作", true),
            ("对口帮扶", "开展对口帮扶", true),
            ("帮扶", "开展对口帮扶", true),
            ("驻村工作组", "省直单位驻村工作组进村", true),
            ("工作组", "省直单位驻村工作组进村", true),
        ];
        for (q, text, want) in cases {
            assert_eq!(
                finds(q, text),
                *want,
                "query {q:?} in {text:?}: query terms {:?}, index {:?}",
                query(q),
                words(text)
            );
        }
    }

    #[test]
    fn hostile_queries_become_plain_terms() {
        assert!(query("").is_empty());
        assert!(query("\"*():^-+").is_empty());
        assert!(query("，。！？、“”").is_empty());
        assert!(query("\u{0}\u{7}\u{1b}[0m").iter().all(|t| t == "0m"));
        assert_eq!(query("1' OR '1'='1"), vec!["1", "or"]);
        assert_eq!(query("NEAR(扶贫 帮扶)"), vec!["near", "扶贫", "帮扶"]);
        assert_eq!(query("title:扶贫"), vec!["title", "扶贫"]);
        let long = "扶贫".repeat(5000);
        assert_eq!(query(&long), vec!["扶贫"]);
        let many: String = (0..500).map(|i| format!("w{i} ")).collect();
        assert_eq!(query(&many).len(), MAX_QUERY_TERMS);
        for t in query("a\"b'c;DROP TABLE--x") {
            assert!(t.chars().all(char::is_alphanumeric), "{t}");
        }
    }

    #[test]
    fn terms_point_into_the_original_text() {
        let text = "广東ＧＤＰ增长，中國農業發展銀行";
        let chars: Vec<char> = text.chars().collect();
        for t in Segmenter::base().index_terms(text) {
            let original: String = chars[t.start..t.end].iter().collect();
            assert_eq!(fold(&original), t.word);
        }
    }

    #[test]
    fn stored_words_change_the_cut() {
        let base = Segmenter::base();
        assert!(!base.query_terms("桂山岛").contains(&"桂山岛".to_string()));
        let more = Segmenter::with_words(&["桂山岛".to_string()]);
        assert_eq!(more.query_terms("桂山岛"), vec!["桂山岛"]);
        assert!(
            more.index_words("前往桂山岛调研")
                .contains(&"桂山岛".to_string())
        );
        assert!(Arc::ptr_eq(
            &more,
            &Segmenter::with_words(&["桂山岛".to_string()])
        ));
    }
}
