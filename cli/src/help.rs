//! `--help`, completions and the man page in the user's language. clap has no
//! locale support: the Chinese texts are the doc comments and `after_help`
//! attributes, and `locales/help.json` holds each text's English, keyed by
//! command path and argument id (`import`, `import.kind`,
//! `review.approve.by`; the root is `mulu`, its flags `mulu.home`). A
//! `:long` suffix is a multi-paragraph doc comment, `:after_help` the
//! 示例 block under a command. Each entry keeps the Chinese it translates
//! (`zh`), so a test notices when a doc comment changes and its English does
//! not. Under English the tree is walked once and every text replaced,
//! together with clap's own headings.

use catalog_core::i18n::Lang;
use clap::Command;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One text in both languages.
#[derive(serde::Deserialize)]
struct Text {
    zh: String,
    en: String,
}

/// key → (zh, en), parsed once.
fn table() -> &'static HashMap<String, Text> {
    static TABLE: OnceLock<HashMap<String, Text>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let v: HashMap<String, serde_json::Value> =
            serde_json::from_str(include_str!("../locales/help.json"))
                .expect("help.json is a JSON object");
        v.into_iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| {
                let t = serde_json::from_value(v).expect("help.json: each entry has zh and en");
                (k, t)
            })
            .collect()
    })
}

/// clap's own words, the usage line and the section headings.
struct Words {
    template: &'static str,
    commands: &'static str,
    arguments: &'static str,
    options: &'static str,
}

const ZH: Words = Words {
    template: "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}",
    commands: "命令",
    arguments: "参数",
    options: "选项",
};

const EN: Words = Words {
    template: "{before-help}{about-with-newline}\nUsage: {usage}\n\n{all-args}{after-help}",
    commands: "Commands",
    arguments: "Arguments",
    options: "Options",
};

/// The language `--help` is shown in, known before clap parses: `--lang en`
/// or `--lang=en` in `args` (up to a `--`), then the environment, with the
/// precedence of [`catalog_core::i18n::resolve`]. A value that is not a
/// language is left to clap (and the environment decides the help's).
pub fn lang_of_args(args: &[std::ffi::OsString]) -> Lang {
    let mut flag = None;
    let mut it = args.iter().skip(1).filter_map(|a| a.to_str());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = match a.strip_prefix("--lang") {
            Some("") => it.next(),
            Some(v) => v.strip_prefix('='),
            None => None,
        };
        if let Some(v) = value {
            flag = v.parse().ok();
            break;
        }
    }
    catalog_core::i18n::resolve_from_env(flag).unwrap_or(Lang::Zh)
}

/// `cmd` (the whole tree, root first) with its texts, headings and usage
/// line in `lang`.
pub fn localized(cmd: Command, lang: Lang) -> Command {
    let (words, english) = match lang {
        Lang::Zh => (&ZH, false),
        Lang::En => (&EN, true),
    };
    walk(cmd, "mulu", words, english)
}

fn walk(mut cmd: Command, key: &str, w: &'static Words, english: bool) -> Command {
    if english {
        // The English of `k` when it still translates `zh` (the test keeps
        // them in step; should one slip, the Chinese shows, never stale English).
        let en = |k: String, zh: Option<&clap::builder::StyledStr>| {
            let t = table().get(&k)?;
            (zh?.to_string() == t.zh).then(|| t.en.clone())
        };
        if let Some(s) = en(key.to_string(), cmd.get_about()) {
            cmd = cmd.about(s);
        }
        if let Some(s) = en(format!("{key}:long"), cmd.get_long_about()) {
            cmd = cmd.long_about(s);
        }
        if let Some(s) = en(format!("{key}:after_help"), cmd.get_after_help()) {
            cmd = cmd.after_help(s);
        }
        cmd = cmd.mut_args(|a| {
            let k = format!("{key}.{}", a.get_id());
            let a = match en(k.clone(), a.get_help()) {
                Some(s) => a.help(s),
                None => a,
            };
            match en(format!("{k}:long"), a.get_long_help()) {
                Some(s) => a.long_help(s),
                None => a,
            }
        });
    }
    let cmd = cmd
        .help_template(w.template)
        .subcommand_help_heading(w.commands)
        .mut_args(|a| {
            if a.get_help_heading().is_some() {
                a
            } else if a.is_positional() {
                a.help_heading(w.arguments)
            } else {
                a.help_heading(w.options)
            }
        });
    // The root's children are keyed by their own name (`import`, not `mulu.import`).
    let prefix = if key == "mulu" {
        String::new()
    } else {
        format!("{key}.")
    };
    cmd.mut_subcommands(|sc| {
        let k = format!("{prefix}{}", sc.get_name());
        walk(sc, &k, w, english)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Every text of the tree that needs an English, by key: the Chinese.
    fn texts(cmd: &Command, key: &str, out: &mut BTreeMap<String, String>) {
        let mut put = |k: String, s: Option<&clap::builder::StyledStr>| {
            if let Some(s) = s {
                let old = out.insert(k.clone(), s.to_string());
                assert!(old.is_none(), "two texts under the key {k}");
            }
        };
        put(key.to_string(), cmd.get_about());
        put(format!("{key}:long"), cmd.get_long_about());
        put(format!("{key}:after_help"), cmd.get_after_help());
        for a in cmd.get_arguments() {
            let k = format!("{key}.{}", a.get_id());
            put(k.clone(), a.get_help());
            put(format!("{k}:long"), a.get_long_help());
        }
        let prefix = if key == "mulu" {
            String::new()
        } else {
            format!("{key}.")
        };
        for sc in cmd.get_subcommands() {
            texts(sc, &format!("{prefix}{}", sc.get_name()), out);
        }
    }

    #[test]
    fn every_help_text_has_its_english_and_the_table_holds_nothing_else() {
        let mut want = BTreeMap::new();
        texts(&crate::base_command(), "mulu", &mut want);
        let t = table();
        let mut problems = Vec::new();
        for (k, zh) in &want {
            match t.get(k) {
                None => problems.push(format!("missing {k:?}: {zh:?}")),
                Some(e) if e.zh != *zh => problems.push(format!(
                    "{k:?}: the Chinese changed to {zh:?} (help.json has {:?}); update zh and en",
                    e.zh
                )),
                Some(e) if e.en.trim().is_empty() => problems.push(format!("{k:?}: no English")),
                Some(_) => {}
            }
        }
        for k in t.keys().filter(|k| !want.contains_key(*k)) {
            problems.push(format!(
                "{k:?} is in help.json but no longer in the command line"
            ));
        }
        problems.sort();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Every command's help (and the subcommands' ones) rendered in English
    /// holds none of the Chinese headings, and in Chinese all of them.
    #[test]
    fn help_renders_in_the_language_asked_for() {
        fn each(cmd: &mut Command, f: &mut dyn FnMut(&str, String)) {
            let name = cmd.get_name().to_string();
            // clap's own `help` subcommand (and its tree) is added at build
            // time, in clap's words.
            if name == "help" {
                return;
            }
            f(&name, cmd.render_long_help().to_string());
            for sc in cmd.get_subcommands_mut() {
                each(sc, f);
            }
        }
        let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let mut en = crate::command(Lang::En);
        en.build();
        let mut n = 0;
        each(&mut en, &mut |name, help| {
            n += 1;
            assert!(help.contains("Usage: "), "{name}: {help}");
            for zh in ["用法", "选项", "参数", "命令", "示例", "显示帮助"] {
                assert!(!help.contains(zh), "{name}: {zh} in\n{help}");
            }
            // Chinese is left in example commands (file names, 王) and as
            // quoted terms (医保, 院内编码) inside English sentences.
            for line in help.lines().filter(|l| han(l)) {
                let latin = line.chars().filter(char::is_ascii_alphabetic).count();
                let chinese = line.chars().filter(|c| han(&c.to_string())).count();
                assert!(
                    line.trim_start().starts_with("mulu ") || latin > 2 * chinese,
                    "{name}: Chinese in the English help: {line}"
                );
            }
        });
        assert!(n > 30, "{n} commands");
        let mut zh = crate::command(Lang::Zh);
        zh.build();
        each(&mut zh, &mut |name, help| {
            assert!(help.contains("用法："), "{name}: {help}");
        });
    }

    #[test]
    fn the_language_of_help_comes_from_argv_before_parsing() {
        let args = |v: &[&str]| -> Vec<std::ffi::OsString> { v.iter().map(Into::into).collect() };
        // The environment decides when argv says nothing; the tests' own
        // environment is not touched, so only the flag cases are asserted.
        assert_eq!(
            lang_of_args(&args(&["mulu", "--lang", "en", "import", "--help"])),
            Lang::En
        );
        assert_eq!(
            lang_of_args(&args(&["mulu", "import", "--lang=en", "--help"])),
            Lang::En
        );
        assert_eq!(
            lang_of_args(&args(&["mulu", "--lang", "zh", "--help"])),
            Lang::Zh
        );
        assert_eq!(
            lang_of_args(&args(&["mulu", "--lang=zh_CN", "--help"])),
            Lang::Zh
        );
    }
}
