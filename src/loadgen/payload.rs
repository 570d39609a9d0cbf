//! Request payloads cut from real BBC articles, so the load generator sends what the service
//! will see in production rather than repeated filler text.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why payloads could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The article file could not be read.
    #[error("cannot read articles from {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not an article object.
    #[error("{path}:{line}: not an article (need JSON with `title` and `text`): {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The decoding error.
        source: serde_json::Error,
    },
    /// The file holds no article text.
    #[error("{path}: no article text to cut payloads from")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// One request body: a headline and a text of about the asked size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The article's headline.
    pub title: String,
    /// Article text cut at a sentence (else word) boundary.
    pub text: String,
}

#[derive(Deserialize)]
struct Article {
    #[serde(default)]
    title: String,
    text: String,
}

/// Reads articles (JSON lines with `title` and `text`) from `path` and cuts `count` payloads
/// of at most `bytes` bytes of text each. Articles shorter than `bytes` are joined with the
/// articles that follow them (paragraph-separated) before cutting, so 30 KB payloads are
/// real prose too.
pub fn load(path: &Path, bytes: usize, count: usize) -> Result<Vec<Payload>, PayloadError> {
    let io = |source| PayloadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut articles = Vec::new();
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let article: Article =
            serde_json::from_str(&line).map_err(|source| PayloadError::Json {
                path: path.to_path_buf(),
                line: number + 1,
                source,
            })?;
        if !article.text.trim().is_empty() {
            articles.push(article);
        }
    }
    if articles.is_empty() {
        return Err(PayloadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut payloads = Vec::with_capacity(count);
    let mut next = 0;
    while payloads.len() < count {
        let first = next % articles.len();
        let mut text = articles[first].text.clone();
        next += 1;
        while text.len() < bytes && next % articles.len() != first {
            text.push_str("\n\n");
            text.push_str(&articles[next % articles.len()].text);
            next += 1;
        }
        payloads.push(Payload {
            title: articles[first].title.clone(),
            text: cut(&text, bytes).to_string(),
        });
    }
    Ok(payloads)
}

/// The longest prefix of `text` of at most `bytes` bytes that ends a sentence, when that
/// keeps at least 80% of `bytes`; otherwise the longest that ends a word.
pub fn cut(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text.trim_end();
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let window = &text[..end];
    let sentence_end = window
        .char_indices()
        .filter(|(i, c)| {
            matches!(c, '.' | '!' | '?')
                && text[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_whitespace)
        })
        .map(|(i, c)| i + c.len_utf8())
        .next_back();
    let ends_word = text[end..].starts_with(char::is_whitespace);
    match sentence_end {
        Some(end) if end * 5 >= bytes * 4 => &text[..end],
        _ if ends_word => window.trim_end(),
        _ => match window.rfind(char::is_whitespace) {
            Some(end) if end > 0 => window[..end].trim_end(),
            _ => window,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_sentence_then_word_boundaries() {
        let text = "One two three. Four five six seven eight nine ten eleven twelve.";
        assert_eq!(cut(text, 1000), text);
        assert_eq!(cut(text, 15), "One two three.");
        assert_eq!(cut(text, 40), "One two three. Four five six seven eight");
        assert_eq!(cut(text, 42), "One two three. Four five six seven eight");
        assert_eq!(cut("Zürich über", 9), "Zürich");
    }

    #[test]
    fn short_articles_are_joined_to_reach_the_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.jsonl");
        let line = r#"{"title":"T","text":"A short sentence here. And another one."}"#;
        std::fs::write(&path, format!("{line}\n{line}\n{line}\n")).expect("write");
        let payloads = load(&path, 60, 2).expect("load");
        assert_eq!(payloads.len(), 2);
        assert!(payloads
            .iter()
            .all(|p| p.text.len() <= 60 && p.text.len() > 30));
        let payloads = load(&path, 45, 1).expect("load");
        assert_eq!(payloads[0].text, "A short sentence here. And another one.");
    }
}
