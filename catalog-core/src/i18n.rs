//! Which language messages are written in. Chinese unless a caller asks for
//! English: the readers are 医保办 staff, and the same text reaches the CLI
//! and HTTP clients. The words live in locale files (`locales/messages.json`
//! of each crate), every key with its `zh` and `en` side by side, so a
//! translation is a data change; a test checks that every key has both.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

static ENGLISH: AtomicBool = AtomicBool::new(false);

/// A message language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 中文 (the default).
    Zh,
    /// English.
    En,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") || s == "cn" || s == "中文" {
            Ok(Lang::Zh)
        } else if s.starts_with("en") {
            Ok(Lang::En)
        } else {
            Err(format!(
                "未知的语言 '{s}'：应为 zh 或 en (unknown language: zh or en)"
            ))
        }
    }
}

/// Set the language of every message built from now on (process-wide).
pub fn set_lang(lang: Lang) {
    ENGLISH.store(lang == Lang::En, Ordering::Relaxed);
}

/// The current language.
pub fn lang() -> Lang {
    if ENGLISH.load(Ordering::Relaxed) {
        Lang::En
    } else {
        Lang::Zh
    }
}

/// The locale name of the current language (`zh`, `en`).
pub fn locale() -> &'static str {
    match lang() {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// A crate's locale file, parsed once: key → (zh, en).
pub struct Catalogue {
    json: &'static str,
    table: std::sync::OnceLock<HashMap<String, (String, String)>>,
}

impl Catalogue {
    /// A catalogue over the text of a locale file (`include_str!`).
    pub const fn new(json: &'static str) -> Catalogue {
        Catalogue {
            json,
            table: std::sync::OnceLock::new(),
        }
    }

    fn table(&self) -> &HashMap<String, (String, String)> {
        self.table.get_or_init(|| {
            let v: HashMap<String, serde_json::Value> =
                serde_json::from_str(self.json).expect("a locale file is a JSON object");
            v.into_iter()
                .filter(|(k, _)| !k.starts_with('_'))
                .map(|(k, v)| {
                    let side = |l: &str| v[l].as_str().unwrap_or_default().to_string();
                    (k, (side("zh"), side("en")))
                })
                .collect()
        })
    }

    /// The message `key` in the current language with `%{name}` filled in;
    /// an unknown key comes back as itself, so a typo shows rather than panics.
    pub fn text(&self, key: &str, args: &[(&str, String)]) -> String {
        let Some((zh, en)) = self.table().get(key) else {
            return key.to_string();
        };
        let mut s = match lang() {
            Lang::En if !en.is_empty() => en.clone(),
            _ => zh.clone(),
        };
        for (name, value) in args {
            s = s.replace(&format!("%{{{name}}}"), value);
        }
        s
    }

    /// Keys missing a `zh` or an `en` text (for the crates' tests).
    pub fn incomplete(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .table()
            .iter()
            .filter(|(_, (zh, en))| zh.is_empty() || en.is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_and_placeholders_fill() {
        assert_eq!(crate::LOCALE.incomplete(), Vec::<String>::new());
        let c = Catalogue::new(r#"{"_about": "x", "k": {"zh": "第%{n}行", "en": "row %{n}"}}"#);
        assert_eq!(c.text("k", &[("n", "3".into())]), "第3行");
        assert_eq!(c.text("nope", &[]), "nope");
    }
}
