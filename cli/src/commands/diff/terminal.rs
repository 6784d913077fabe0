//! Terminal output: a coloured summary and the first changes.

use catalog_diff::{CatalogDiff, Change, ChangeClass, ImpactItem};
use std::io::IsTerminal;

struct Paint(bool);

impl Paint {
    fn new() -> Self {
        // Colour only for a person at a terminal; NO_COLOR is the convention to opt out.
        Paint(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none())
    }
    fn c(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn class(&self, k: ChangeClass, s: &str) -> String {
        let code = match k {
            ChangeClass::Added => "32",
            ChangeClass::Deactivated => "33",
            ChangeClass::Removed => "31",
            ChangeClass::Changed => "36",
            ChangeClass::Recoded => "35",
        };
        self.c(code, s)
    }
}

fn mark(k: ChangeClass) -> &'static str {
    match k {
        ChangeClass::Added => "+",
        ChangeClass::Deactivated => "!",
        ChangeClass::Removed => "-",
        ChangeClass::Changed => "~",
        ChangeClass::Recoded => ">",
    }
}

/// Long values are cut for the terminal; the files hold them whole.
fn short(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        return s.to_string();
    }
    let mut t: String = s.chars().take(MAX).collect();
    t.push('…');
    t
}

pub fn print(d: &CatalogDiff, impact: Option<&[ImpactItem]>, limit: usize) {
    let p = Paint::new();
    let s = &d.summary.total;
    let label = |x: &Option<String>| x.clone().unwrap_or_else(|| "?".into());
    println!(
        "{} {}",
        p.c("1", &tr!("diff.head")),
        tr!(
            "diff.sides",
            old = label(&d.old.label),
            old_rows = s.old_rows,
            new = label(&d.new.label),
            new_rows = s.new_rows
        )
    );
    for k in ChangeClass::ALL {
        let n = s.classes.get(k);
        // The Chinese labels are all two characters wide, so padding the
        // English part alone keeps the counts aligned.
        let text = format!("  {} {} {:<12} {:>9}", mark(k), k.label_zh(), k.as_str(), n);
        println!("{}", if n > 0 { p.class(k, &text) } else { text });
    }
    println!("    未变 {:<12} {:>9}", "unchanged", s.unchanged);
    if s.noise_only > 0 {
        println!(
            "    噪声 {:<12} {:>9}  (differed only in whitespace/width/money scale/ignored fields)",
            "noise only", s.noise_only
        );
    }
    if !s.fields.is_empty() {
        let mut f: Vec<(&String, &u64)> = s.fields.iter().collect();
        f.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        // Labels (生产企业), not keys (manufacturer): the reader knows the columns.
        let specs = catalog_core::field_specs(super::xlsx::category_of(d));
        let name = |k: &str| -> String {
            if catalog_core::i18n::lang() == catalog_core::i18n::Lang::En {
                return k.to_string();
            }
            match k.strip_prefix("extra.") {
                Some(col) => col.to_string(),
                None => specs
                    .iter()
                    .find(|s| s.key == k)
                    .map_or(k.to_string(), |s| s.label.to_string()),
            }
        };
        let parts: Vec<String> = f.iter().map(|(k, n)| format!("{} {n}", name(k))).collect();
        println!(
            "  {}{}",
            tr!("diff.fields"),
            parts.join(&tr!("diff.field_sep"))
        );
    }
    if d.changes.is_empty() {
        println!("{}", p.c("32", "no differences"));
    } else {
        println!();
        for c in d.changes.iter().take(limit) {
            print_change(&p, c);
        }
        if d.changes.len() > limit {
            println!("{}", tr!("diff.more", n = d.changes.len() - limit));
        }
    }
    if let Some(items) = impact {
        println!();
        println!(
            "{} {}",
            p.c("1", &tr!("diff.impact_head")),
            tr!("diff.impact_count", n = items.len())
        );
        for it in items.iter().take(limit) {
            let m = &it.mapping;
            println!(
                "  {} {} {} → {}: {}",
                match it.reason.class() {
                    Some(c) => p.class(c, mark(c)),
                    None => p.c("1;31", "?"),
                },
                m.hospital_code,
                m.hospital_name,
                m.target_code,
                it.action
            );
        }
        if items.len() > limit {
            println!("{}", tr!("diff.impact_more", n = items.len() - limit));
        }
    }
}

fn print_change(p: &Paint, c: &Change) {
    let head = match c.class {
        ChangeClass::Recoded => format!(
            "{} {} → {} {}",
            mark(c.class),
            c.old_code.as_deref().unwrap_or_default(),
            c.code,
            c.name
        ),
        _ => format!("{} {} {}", mark(c.class), c.code, c.name),
    };
    let tail = match &c.recode {
        Some(r) => format!(
            "  (score {:.2}{})",
            r.score,
            r.strong_key
                .as_deref()
                .map(|k| format!(", same {k}"))
                .unwrap_or_default()
        ),
        None => String::new(),
    };
    println!("{}{}", p.class(c.class, &head), tail);
    for f in &c.fields {
        println!(
            "      {}: {} → {}",
            f.label,
            p.c("31", &short(&f.old)),
            p.c("32", &short(&f.new))
        );
    }
}
