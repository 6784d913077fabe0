//! `mulu.toml` in the home: the hospital's 定点医药机构编号 and name, and the
//! region's `list_type` numbering. Precedence is flag > mulu.toml > default.
//! A malformed file is refused with its file, line and key. The CLI and
//! `mulu serve` read the same file through this module, so a page download
//! carries the same 定点医药机构编号 and `list_type` as `mulu export`.
//!
//! ```toml
//! fixmedins_code = "H44010600124"
//! fixmedins_name = "某某市人民医院"
//!
//! [list_type]
//! table = "national"   # or "hunan": the base numbering
//! "医疗机构制剂" = "104" # per kind (drug, herbal, … or the Chinese name, quoted)
//!
//! [list_type.prefix]
//! Z = "102"             # per national-code prefix: longest prefix wins
//! ```

use crate::{ListTypeOverrides, ListTypeTable};
use catalog_core::Category;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file's name in the home.
pub const FILE: &str = "mulu.toml";

/// A refused `mulu.toml`: where and why (the CLI exits with 2; `mulu serve` does not start).
#[derive(Debug)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// The key at fault (`list_type.prefix.Z`).
    pub key: String,
    /// Why, in the current language.
    pub reason: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&tr!(
            "config.error",
            file = self.file.display(),
            line = self.line,
            key = self.key,
            reason = self.reason
        ))
    }
}

impl std::error::Error for ConfigError {}

/// The settings a home's `mulu.toml` gives; all optional.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Config {
    /// Where it was read from; `None` when the home has no `mulu.toml`.
    pub file: Option<PathBuf>,
    /// 定点医药机构编号.
    pub fixmedins_code: Option<String>,
    /// 定点医药机构名称.
    pub fixmedins_name: Option<String>,
    /// The base `list_type` numbering (`national` or `hunan`).
    pub list_type_table: Option<String>,
    /// `list_type` per kind.
    pub list_type_by_kind: BTreeMap<Category, String>,
    /// `list_type` per national-code prefix.
    pub list_type_by_prefix: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    fixmedins_code: Option<toml::Spanned<String>>,
    fixmedins_name: Option<toml::Spanned<String>>,
    list_type: Option<BTreeMap<String, toml::Spanned<toml::Value>>>,
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// The key a line sets (`a = 1` → `a`), or the table a header opens.
fn key_on_line(text: &str, line: usize) -> String {
    let l = text
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("")
        .trim();
    let k = l.split('=').next().unwrap_or(l).trim();
    k.trim_matches(|c| c == '[' || c == ']' || c == '"' || c == '\'')
        .trim()
        .to_string()
}

/// The key on `line` with the table it sits in (`list_type.prefix.Z`).
fn qualified_key(text: &str, line: usize) -> String {
    let key = key_on_line(text, line);
    let table = text
        .lines()
        .take(line.saturating_sub(1))
        .filter(|l| l.trim_start().starts_with('['))
        .last()
        .map(|l| key_on_line(l, 1));
    match table {
        Some(t) if !t.is_empty() && !key.is_empty() && t != key => format!("{t}.{key}"),
        _ => key,
    }
}

/// The first line of `text` that sets `key`, for values
/// whose own position toml does not keep (inside a nested table).
fn line_setting(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| key_on_line(l, 1) == key && l.contains('='))
        .map_or(1, |i| i + 1)
}

impl Config {
    /// The home's `mulu.toml`, or the defaults when there is none.
    pub fn load(home: &Path) -> Result<Config, ConfigError> {
        let file = home.join(FILE);
        match std::fs::read(&file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(ConfigError {
                file,
                line: 0,
                key: String::new(),
                reason: e.to_string(),
            }),
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Config::parse(&file, &text),
                Err(_) => Err(ConfigError {
                    file,
                    line: 1,
                    key: String::new(),
                    reason: tr!("config.not_utf8"),
                }),
            },
        }
    }

    /// Parse the text of `file`.
    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let fail = |line: usize, key: String, reason: String| ConfigError {
            file: file.to_path_buf(),
            line,
            key,
            reason,
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            let msg = e.message().to_string();
            // "unknown field `x`": the key is in the message.
            let key = msg
                .split('`')
                .nth(1)
                .filter(|_| msg.starts_with("unknown field"))
                .map(String::from)
                .unwrap_or_else(|| qualified_key(text, line));
            fail(line, key, tr!("config.toml", msg = msg.trim()))
        })?;
        let mut c = Config {
            file: Some(file.to_path_buf()),
            ..Config::default()
        };
        let text_value = |key: &str, v: &toml::Spanned<String>| {
            let line = line_of(text, v.span().start);
            let s = v.get_ref().trim().to_string();
            if s.is_empty() {
                return Err(fail(line, key.into(), tr!("config.empty")));
            }
            Ok((s, line))
        };
        if let Some(v) = &raw.fixmedins_code {
            let (code, line) = text_value("fixmedins_code", v)?;
            if code.chars().count() > 30 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(fail(
                    line,
                    "fixmedins_code".into(),
                    tr!("config.code", code = code),
                ));
            }
            c.fixmedins_code = Some(code);
        }
        if let Some(v) = &raw.fixmedins_name {
            c.fixmedins_name = Some(text_value("fixmedins_name", v)?.0);
        }
        for (key, v) in raw.list_type.unwrap_or_default() {
            let line = line_of(text, v.span().start);
            let full = format!("list_type.{key}");
            match (key.as_str(), v.get_ref()) {
                ("table", toml::Value::String(t)) => {
                    t.parse::<ListTypeTable>()
                        .map_err(|e| fail(line, full.clone(), e))?;
                    c.list_type_table = Some(t.clone());
                }
                ("table", _) => return Err(fail(line, full, tr!("config.table_type"))),
                ("prefix", toml::Value::Table(t)) => {
                    for (p, v) in t {
                        let full = format!("list_type.prefix.{p}");
                        let line = line_setting(text, p);
                        if p.trim().is_empty() {
                            return Err(fail(line, full, tr!("config.empty")));
                        }
                        let lt = list_type_value(v).map_err(|r| fail(line, full, r))?;
                        c.list_type_by_prefix.insert(p.trim().to_uppercase(), lt);
                    }
                }
                ("prefix", _) => return Err(fail(line, full, tr!("config.prefix_type"))),
                (k, v) => {
                    let kind = k
                        .parse::<Category>()
                        .map_err(|_| fail(line, full.clone(), tr!("config.kind", key = k)))?;
                    let lt = list_type_value(v).map_err(|r| fail(line, full, r))?;
                    c.list_type_by_kind.insert(kind, lt);
                }
            }
        }
        Ok(c)
    }

    /// The region's numbering: `table` alone when the caller names one (a
    /// flag, a query parameter), else this file's table and overrides, else
    /// the national table.
    pub fn list_types(
        &self,
        table: Option<ListTypeTable>,
    ) -> Result<(ListTypeTable, ListTypeOverrides), String> {
        if let Some(t) = table {
            return Ok((t, ListTypeOverrides::default()));
        }
        let table = match &self.list_type_table {
            Some(t) => t.parse()?,
            None => ListTypeTable::National,
        };
        Ok((
            table,
            ListTypeOverrides {
                by_kind: self.list_type_by_kind.clone(),
                by_prefix: self.list_type_by_prefix.clone(),
            },
        ))
    }

    /// 定点医药机构编号: `given` when not blank, else this file's, else empty.
    pub fn fixmedins_code(&self, given: Option<&str>) -> String {
        given
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(String::from)
            .or_else(|| self.fixmedins_code.clone())
            .unwrap_or_default()
    }
}

/// A `list_type` value: three digits, as a string or a bare number.
fn list_type_value(v: &toml::Value) -> Result<String, String> {
    let s = match v {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Integer(n) => n.to_string(),
        other => return Err(tr!("config.list_type", value = other)),
    };
    if s.len() == 3 && s.chars().all(|c| c.is_ascii_digit()) {
        Ok(s)
    } else {
        Err(tr!("config.list_type", value = s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/h/mulu.toml"), text)
    }

    #[test]
    fn a_full_file_gives_code_name_table_and_overrides() {
        let c = parse(
            "fixmedins_code = \"H44010600124\"\nfixmedins_name = \"某某市人民医院\"\n\n[list_type]\ntable = \"national\"\n\"医疗机构制剂\" = \"104\"\nherbal = 103\n\n[list_type.prefix]\nz = \"102\"\n",
        )
        .unwrap();
        assert_eq!(c.fixmedins_code.as_deref(), Some("H44010600124"));
        assert_eq!(c.fixmedins_name.as_deref(), Some("某某市人民医院"));
        assert_eq!(c.list_type_by_kind[&Category::Preparation], "104");
        assert_eq!(c.list_type_by_kind[&Category::Herbal], "103");
        assert_eq!(c.list_type_by_prefix["Z"], "102");
        let (t, o) = c.list_types(None).unwrap();
        assert_eq!(t, ListTypeTable::National);
        assert_eq!(
            o.list_type(t, Category::Drug, "ZA01AAA0001").as_deref(),
            Some("102")
        );
        // The flag wins over the file, and over its overrides.
        let (t, o) = c.list_types(Some(ListTypeTable::Hunan)).unwrap();
        assert_eq!((t, o.is_empty()), (ListTypeTable::Hunan, true));
        assert_eq!(c.fixmedins_code(Some("H11")), "H11");
        assert_eq!(c.fixmedins_code(None), "H44010600124");
        assert_eq!(Config::default().fixmedins_code(None), "");
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "fixmedins_code = \"H1\"\nfixmedins_cod = \"x\"\n",
                2,
                "fixmedins_cod",
            ),
            ("fixmedins_code = 12\n", 1, "fixmedins_code"),
            ("\n\nfixmedins_code = \"H 1\"\n", 3, "fixmedins_code"),
            ("[list_type]\ntable = \"mars\"\n", 2, "list_type.table"),
            ("[list_type]\n\"西药\" = \"1x1\"\n", 2, "list_type.西药"),
            ("[list_type]\n西药 = \"101\"\n", 2, "list_type.西药"),
            ("[list_type]\nplanet = \"101\"\n", 2, "list_type.planet"),
            (
                "[list_type.prefix]\n\nZ = \"abc\"\n",
                3,
                "list_type.prefix.Z",
            ),
            ("fixmedins_code = \"H1\n", 1, "fixmedins_code"),
        ];
        for (text, line, key) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!((e.line, e.key.as_str()), (*line, *key), "{text:?}: {e}");
            let msg = e.to_string();
            assert!(
                msg.contains("/h/mulu.toml") && msg.contains(&format!("第{line}行")),
                "{msg}"
            );
            assert!(msg.contains(key), "{msg}");
        }
    }

    #[test]
    fn every_message_has_chinese_and_english() {
        // English itself is checked through the binary (--lang en), since
        // the language is process-wide and tests run in parallel.
        assert_eq!(crate::LOCALE.incomplete(), Vec::<String>::new());
    }

    #[test]
    fn no_file_means_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Config::load(dir.path()).unwrap(), Config::default());
        std::fs::write(dir.path().join(FILE), [0xff, 0xfe]).unwrap();
        assert_eq!(Config::load(dir.path()).unwrap_err().line, 1);
    }
}
