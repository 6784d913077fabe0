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

/// The language to use, from what the user said, most specific first: the
/// `--lang` flag, then `MULU_LANG`, then the POSIX locale (`LC_ALL`, else
/// `LC_MESSAGES`, else `LANG`; the first one set decides, as in POSIX).
/// A locale `zh*` gives Chinese and `en*` English; unset, `C`, `POSIX` or any
/// other locale gives Chinese, the clerk's language. Empty values count as
/// unset. A pure function of its inputs, so it is tested without touching the
/// process environment. An unknown `MULU_LANG` is an error, as `--lang` is.
pub fn resolve(
    flag: Option<Lang>,
    mulu_lang: Option<&str>,
    lc_all: Option<&str>,
    lc_messages: Option<&str>,
    lang: Option<&str>,
) -> Result<Lang, String> {
    fn set(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    if let Some(l) = flag {
        return Ok(l);
    }
    if let Some(v) = set(mulu_lang) {
        return v.parse();
    }
    let locale = set(lc_all).or(set(lc_messages)).or(set(lang));
    Ok(match locale.map(str::to_ascii_lowercase) {
        Some(l) if l.starts_with("en") => Lang::En,
        _ => Lang::Zh,
    })
}

/// [`resolve`] over the process environment (`MULU_LANG`, `LC_ALL`,
/// `LC_MESSAGES`, `LANG`).
pub fn resolve_from_env(flag: Option<Lang>) -> Result<Lang, String> {
    let var = |k: &str| std::env::var(k).ok();
    resolve(
        flag,
        var("MULU_LANG").as_deref(),
        var("LC_ALL").as_deref(),
        var("LC_MESSAGES").as_deref(),
        var("LANG").as_deref(),
    )
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
    fn the_flag_beats_mulu_lang_beats_the_posix_locale() {
        use Lang::{En, Zh};
        let r = |flag, mulu, all, msgs, lang| resolve(flag, mulu, all, msgs, lang).unwrap();
        // Nothing said, or the C/POSIX locale: Chinese.
        assert_eq!(r(None, None, None, None, None), Zh);
        assert_eq!(r(None, None, None, None, Some("C")), Zh);
        assert_eq!(r(None, None, None, None, Some("POSIX")), Zh);
        assert_eq!(r(None, None, None, None, Some("C.UTF-8")), Zh);
        assert_eq!(r(None, None, None, None, Some("fr_FR.UTF-8")), Zh);
        // The locale's language.
        assert_eq!(r(None, None, None, None, Some("en_US.UTF-8")), En);
        assert_eq!(r(None, None, None, None, Some("zh_CN.UTF-8")), Zh);
        assert_eq!(r(None, None, None, None, Some("zh_TW")), Zh);
        // LC_ALL over LC_MESSAGES over LANG; the first set one decides, even C.
        assert_eq!(r(None, None, None, Some("en_GB"), Some("zh_CN")), En);
        assert_eq!(
            r(None, None, Some("zh_CN"), Some("en_GB"), Some("en_US")),
            Zh
        );
        assert_eq!(r(None, None, Some("C"), None, Some("en_US")), Zh);
        assert_eq!(r(None, None, Some(""), Some(" "), Some("en_US")), En);
        // MULU_LANG over the locale; the flag over everything.
        assert_eq!(r(None, Some("en"), Some("zh_CN"), None, None), En);
        assert_eq!(r(None, Some("zh"), None, None, Some("en_US")), Zh);
        assert_eq!(r(None, Some(""), None, None, Some("en_US")), En);
        assert_eq!(r(Some(Zh), Some("en"), Some("en_US"), None, None), Zh);
        assert_eq!(r(Some(En), Some("zh"), None, None, Some("zh_CN")), En);
        // An unknown MULU_LANG is refused, in Chinese first.
        let e = resolve(None, Some("fr"), None, None, None).unwrap_err();
        assert!(e.contains("未知的语言"), "{e}");
    }

    #[test]
    fn every_key_has_both_languages_and_placeholders_fill() {
        assert_eq!(crate::LOCALE.incomplete(), Vec::<String>::new());
        let c = Catalogue::new(r#"{"_about": "x", "k": {"zh": "第%{n}行", "en": "row %{n}"}}"#);
        assert_eq!(c.text("k", &[("n", "3".into())]), "第3行");
        assert_eq!(c.text("nope", &[]), "nope");
    }
}
