//! The words of review at scale (bulk, undo, reset, history, stats), the
//! export hold-back, `mulu.toml` and the sign-off list: zh and en side by
//! side in their own locale file, `cli/locales/review.json`.

pub static WORDS: catalog_core::i18n::Catalogue =
    catalog_core::i18n::Catalogue::new(include_str!("../locales/review.json"));

/// `w!("key", name = value, …)`: the message in the current language.
macro_rules! w {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::words::WORDS.text($key, &[$((stringify!($name), $value.to_string())),*])
    };
}
pub(crate) use w;

#[cfg(test)]
mod tests {
    #[test]
    fn every_word_has_chinese_and_english() {
        assert_eq!(super::WORDS.incomplete(), Vec::<String>::new());
    }

    #[test]
    fn chinese_by_default_english_on_request() {
        // The language is process-wide; only the default is read here.
        assert!(w!("stats.total", n = 3, reviewed = 1, confirmed = 1).contains("共"));
    }
}
