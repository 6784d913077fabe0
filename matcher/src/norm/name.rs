//! Splitting a hospital item name into generic name, specification and brand:
//! `阿奇霉素片(希舒美Zithromax)` → 阿奇霉素片 + brand 希舒美Zithromax;
//! `阿莫西林胶囊 0.25g*24粒` → 阿莫西林胶囊 + spec 0.25g*24粒.

use super::spec;
use super::text::{fold, is_cjk, is_roman, key};
use crate::synonyms::TABLES;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
/// A hospital item name split into its parts.
pub struct NameParts {
    /// The name without spec and brand, as a comparison key.
    pub generic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A specification written into the name (`0.25g*24粒`).
    pub spec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A bracketed brand or trade name (`希舒美`).
    pub brand: Option<String>,
}

/// Bracket contents that belong to the product name, not to a brand:
/// `复方氨基酸(18AA-Ⅱ)`, `(Ⅰ)`, `(儿童)`.
fn is_name_qualifier(inner: &str) -> bool {
    inner.chars().any(is_roman)
        || (!inner.is_empty() && inner.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | '-')))
        || (inner.contains("aa") && inner.chars().any(|c| c.is_ascii_digit()))
        || [
            "儿童", "小儿", "成人", "口服", "外用", "精制", "复方", "无糖", "含糖", "冻干",
        ]
        .contains(&inner)
}

fn looks_like_spec(s: &str) -> bool {
    let p = spec::parse(s);
    p.has_strength() || p.count.is_some()
}

/// Whether `tail` repeats a strength next to the bracketed spec `b` rather
/// than adding the count of a package to it.
fn looks_like_strength(b: &str, tail: &str) -> bool {
    let t = spec::parse(tail);
    t.has_strength() || t.count.is_none() || spec::parse(b).count.is_some()
}

/// Annotations hospitals add that are neither brand nor spec.
fn is_annotation(inner: &str) -> bool {
    [
        "基", "甲", "乙", "丙", "进口", "国产", "合资", "集采", "集", "自费", "医保", "国谈",
        "谈判", "新", "停",
    ]
    .contains(&inner)
}

/// A local note that says where or by whom a service is given, or what its
/// price includes (`(门诊)`, `【本院】`, `（含一次性用品）`), never what the
/// service is: the national list encodes its sub-items with other words
/// (`(急诊)`, `(加收)`, `(单侧)`, `(特需)`), so those are not in this list.
pub fn is_setting_note(note: &str) -> bool {
    let k = key(note);
    matches!(k.as_str(), "门诊" | "住院" | "本院" | "院内" | "每次")
        || (k.starts_with('含')
            && ["材料", "耗材", "用品"].iter().any(|w| k.ends_with(w))
            && k.chars().count() <= 8)
}

/// A name with its trailing groups dropped one at a time, shortest drop first:
/// `刮宫术(分段诊断性刮宫)(住院)` → `刮宫术(分段诊断性刮宫)` (dropped `(住院)`),
/// then `刮宫术`; `糖化血红蛋白测定 含材料` → `糖化血红蛋白测定`. A trailing group
/// is a bracketed part or a space-separated last word. Hospitals append such
/// local notes (setting, billing, materials) to national service names; the
/// matcher keeps a variant only when it is a catalogue name.
pub fn trailing_note_variants(name: &str) -> Vec<(String, String)> {
    let f = fold(name);
    let mut rest = f.trim_end().to_string();
    let mut out = Vec::new();
    for _ in 0..3 {
        let cut = if rest.ends_with(')') {
            // The opening bracket of the last group (nesting counted).
            let mut depth = 0i32;
            let mut at = None;
            for (i, c) in rest.char_indices().rev() {
                match c {
                    ')' => depth += 1,
                    '(' => {
                        depth -= 1;
                        if depth == 0 {
                            at = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            at
        } else {
            rest.rfind(' ').map(|i| i + 1)
        };
        let Some(at) = cut.filter(|&at| at > 0) else {
            break;
        };
        let dropped = rest[at..].trim().to_string();
        rest = rest[..at].trim_end().to_string();
        if key(&rest).chars().count() < 2 {
            break;
        }
        out.push((rest.clone(), dropped));
    }
    out
}

/// A billing unit typed after the name (`抗鞘磷脂抗体测定(IgA)/项`,
/// `气脑造影/床日`, `牙周洁治/每牙`, `肝血流显象/每个视野`): the name without it,
/// and the unit. Only CJK after the last `/` counts, so `HBsAg/HBeAg` or
/// `CT/MR` stay names, and only one or two characters, a `每…` of up to five,
/// or the item's own unit column (`unit`) of up to six: `血常规/尿常规` is two
/// names. A cut name comes back folded ([`fold`]).
pub fn split_unit_suffix(name: &str, unit: Option<&str>) -> (String, Option<String>) {
    let f = fold(name);
    let t = f.trim_end();
    if let Some(at) = t.rfind('/') {
        let tail = t[at + 1..].trim();
        let n = tail.chars().count();
        let head = t[..at].trim_end();
        let own_unit = unit.is_some_and(|u| {
            let u = crate::norm::text::billing_unit(u);
            !u.is_empty() && crate::norm::text::billing_unit(tail) == u
        });
        let unit_like =
            (1..=2).contains(&n) || (tail.starts_with('每') && n <= 5) || (own_unit && n <= 6);
        if unit_like && tail.chars().all(is_cjk) && key(head).chars().count() >= 2 {
            return (head.to_string(), Some(tail.to_string()));
        }
    }
    (name.to_string(), None)
}

/// Split a hospital item name into generic name, specification and brand.
pub fn split(name: &str) -> NameParts {
    let f = fold(name);
    let mut kept = String::new();
    let mut brand: Option<String> = None;
    let mut spec_text: Option<String> = None;
    // Pass 1: bracketed groups.
    let mut depth = 0usize;
    let mut inner = String::new();
    for c in f.chars() {
        match c {
            '(' => {
                if depth > 0 {
                    inner.push(c);
                }
                depth += 1;
            }
            ')' if depth > 0 => {
                depth -= 1;
                if depth > 0 {
                    inner.push(c);
                    continue;
                }
                let i = std::mem::take(&mut inner);
                let t = i.trim();
                if t.is_empty() || is_annotation(t) {
                } else if is_name_qualifier(t) {
                    kept.push('(');
                    kept.push_str(t);
                    kept.push(')');
                } else if looks_like_spec(t) && !t.chars().any(is_cjk_non_unit) {
                    spec_text.get_or_insert_with(|| t.to_string());
                } else if brand.is_none() {
                    brand = Some(t.to_string());
                }
            }
            _ if depth > 0 => inner.push(c),
            _ => kept.push(c),
        }
    }
    if depth > 0 {
        kept.push_str(&inner);
    }
    // Pass 2: a spec glued to or spaced after the name (`阿莫西林胶囊0.25g*24粒`).
    let chars: Vec<char> = kept.chars().collect();
    let mut cut = None;
    for i in 0..chars.len() {
        let c = chars[i];
        let starts = c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()));
        // `维生素B12` / `18AA`: a digit right after a latin letter is part of
        // the name, and so is one opening a qualifier kept in brackets
        // (`复方氨基酸(18AA)注射液`: pass 1 left only qualifiers bracketed).
        let after_letter = i > 0
            && (chars[i - 1].is_ascii_alphabetic()
                || chars[i - 1] == '-'
                || chars[i - 1] == '('
                || chars[i - 1].is_ascii_digit());
        if starts && !after_letter && i > 0 {
            let rest: String = chars[i..].iter().collect();
            if looks_like_spec(&rest) {
                cut = Some(i);
                break;
            }
        }
    }
    // `痛经丸 每10丸重1g*12丸/盒`, `颗粒 每袋装5g*9`: a spec opened by 每 starts
    // at the 每, which is not a brand.
    if let Some(i) = cut {
        let before: String = chars[..i].iter().collect();
        if let Some(at) = before.rfind('每') {
            let word = &before[at..];
            let name_before = before[..at].trim_end();
            if word.chars().count() <= 6
                && !word.contains(' ')
                && key(name_before).chars().count() >= 2
            {
                cut = Some(before[..at].chars().count());
            }
        }
    }
    let (head, tail) = match cut {
        Some(i) => (
            chars[..i].iter().collect::<String>(),
            Some(chars[i..].iter().collect::<String>()),
        ),
        None => (kept.clone(), None),
    };
    let mut head = head;
    // Spaced-out trailing words after the generic name are usually brand or maker.
    if let Some((first, rest)) = head.clone().split_once(' ') {
        if !rest.trim().is_empty()
            && first.chars().count() >= 2
            && !rest.chars().any(|c| c.is_ascii_digit())
        {
            head = first.to_string();
            brand.get_or_insert_with(|| rest.trim().to_string());
        }
    }
    let tail = tail.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    spec_text = match (spec_text, tail) {
        // `【5mg】24片`: the bracket holds the strength, the count follows it.
        (Some(b), Some(t)) if !looks_like_strength(&b, &t) => Some(format!("{b}*{t}")),
        (Some(b), _) => Some(b),
        (None, t) => t,
    };
    let mut generic = key(&head);
    // A bare trade name stands for its generic (`希舒美` → 阿奇霉素).
    if let Some(g) = TABLES.trade_names.get(generic.as_str()) {
        match brand.as_deref().map(key) {
            // `立普妥(阿托伐他汀钙片)`: the bracket spells that generic in full.
            Some(inner) if inner.contains(g.as_str()) => {
                brand = Some(std::mem::replace(&mut generic, inner));
            }
            _ => {
                brand.get_or_insert_with(|| generic.clone());
                generic = g.clone();
            }
        }
    }
    NameParts {
        generic,
        spec: spec_text,
        brand,
    }
}

/// CJK characters that are units or separators, allowed inside a bracketed spec.
fn is_cjk_non_unit(c: char) -> bool {
    is_cjk(c) && !"克毫升微粒片支瓶袋盒丸贴枚包板喷揿个只套条张万单位国际与含每和计按".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_brand_and_spec() {
        let p = split("阿奇霉素片(希舒美Zithromax)");
        assert_eq!(p.generic, "阿奇霉素片");
        assert_eq!(p.brand.as_deref(), Some("希舒美zithromax"));
        // A known trade name before its generic name in brackets.
        let p = split("立普妥(阿托伐他汀钙片)");
        assert_eq!(p.generic, "阿托伐他汀钙片");
        assert_eq!(p.brand.as_deref(), Some("立普妥"));
        let p = split("阿莫西林胶囊 0.25g*24粒");
        assert_eq!(p.generic, "阿莫西林胶囊");
        assert_eq!(p.spec.as_deref(), Some("0.25g*24粒"));
        let p = split("阿莫西林胶囊0.25g×24粒");
        assert_eq!(p.generic, "阿莫西林胶囊");
        assert_eq!(p.spec.as_deref(), Some("0.25g*24粒"));
        let p = split("头孢克肟片(0.1g*6片)");
        assert_eq!(p.generic, "头孢克肟片");
        assert_eq!(p.spec.as_deref(), Some("0.1g*6片"));
    }

    #[test]
    fn keeps_name_qualifiers_and_latin_digits() {
        assert_eq!(
            split("复方氨基酸注射液(18AA-Ⅱ)").generic,
            key("复方氨基酸注射液(18aa-Ⅱ)")
        );
        // The qualifier inside the name, the spec in 【】 and the count after it.
        let p = split("复方氨基酸(18AA)注射液 【2ml:0.1g】10支");
        assert_eq!(p.generic, key("复方氨基酸(18AA)注射液"));
        assert_eq!(
            crate::norm::spec::parse(p.spec.as_deref().unwrap_or("")).count,
            Some(10.0)
        );
        assert_eq!(split("维生素B12注射液").generic, "维生素b12注射液");
        assert_eq!(split("阿司匹林肠溶片[基]").generic, "阿司匹林肠溶片");
        assert_eq!(split("希舒美").generic, "阿奇霉素");
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "",
            "(((",
            ")))",
            "()",
            "(a(b)c",
            "0.25g",
            "12345",
            &"阿".repeat(5000),
        ] {
            let _ = split(s);
        }
        assert_eq!(split("").generic, "");
    }

    #[test]
    fn trailing_notes_come_off_one_group_at_a_time() {
        let v = trailing_note_variants("刮宫术(分段诊断性刮宫)（住院）");
        assert_eq!(
            v[0],
            ("刮宫术(分段诊断性刮宫)".to_string(), "(住院)".to_string())
        );
        assert_eq!(v[1].0, "刮宫术");
        let v = trailing_note_variants("糖化血红蛋白测定 含材料");
        assert_eq!(v, [("糖化血红蛋白测定".to_string(), "含材料".to_string())]);
        let v = trailing_note_variants("剖宫产术中子宫次全切术【本院】");
        assert_eq!(v[0].0, "剖宫产术中子宫次全切术");
        assert!(trailing_note_variants("阑尾切除术").is_empty());
        // Nothing left worth a name: no variant.
        assert!(trailing_note_variants("(急诊)").is_empty());
    }

    #[test]
    fn a_count_after_a_bracketed_spec_and_a_spec_opened_by_mei_stay_with_the_spec() {
        let p = split("頭孢呋辛酯片 【5mg】24片");
        assert_eq!(p.generic, "头孢呋辛酯片");
        let s = spec::parse(p.spec.as_deref().unwrap_or(""));
        assert_eq!((s.count, s.has_strength()), (Some(24.0), true), "{p:?}");
        let s = spec::parse(
            split("双唑泰阴道凝胶 【15g:0.15g】2支")
                .spec
                .as_deref()
                .unwrap(),
        );
        assert_eq!(s.count, Some(2.0));
        let p = split("痛经丸 每10丸重1g*12丸/盒");
        assert_eq!(
            (p.generic.as_str(), p.brand.as_deref()),
            ("痛经丸", None),
            "{p:?}"
        );
        assert_eq!(spec::parse(p.spec.as_deref().unwrap()).count, Some(12.0));
        let p = split("妇女养血丸 每8丸相当于原生药3g*30丸/盒");
        assert_eq!(
            spec::parse(p.spec.as_deref().unwrap()).count,
            Some(30.0),
            "{p:?}"
        );
        let p = split("小儿清肺化痰颗粒 每袋装5g*9");
        assert_eq!(
            (p.generic.as_str(), p.brand.as_deref()),
            ("小儿清肺化痰颗粒", None)
        );
    }

    #[test]
    fn setting_and_material_notes_are_told_from_sub_item_words() {
        for n in [
            "(门诊)",
            "【本院】",
            "（含一次性用品）",
            "含材料",
            "(含耗材)",
            "院内",
        ] {
            assert!(is_setting_note(n), "{n}");
        }
        for n in [
            "(急诊)",
            "(加收)",
            "(单侧)",
            "(特需)",
            "(院内分装)",
            "(床旁)",
            "(含麻醉)",
        ] {
            assert!(!is_setting_note(n), "{n}");
        }
    }

    #[test]
    fn a_unit_after_a_slash_comes_off_the_name() {
        let (n, u) = split_unit_suffix("抗鞘磷脂抗体测定(IgA)／项", None);
        assert_eq!(
            (n.as_str(), u.as_deref()),
            ("抗鞘磷脂抗体测定(iga)", Some("项"))
        );
        assert_eq!(
            split_unit_suffix("气脑造影(单侧)/床日", None).1.as_deref(),
            Some("床日")
        );
        assert_eq!(
            split_unit_suffix("牙周洁治/每牙", None).1.as_deref(),
            Some("每牙")
        );
        // Latin after the slash, a long tail or nothing before it: a name.
        assert_eq!(split_unit_suffix("乙肝两对半HBsAg/HBeAg", None).1, None);
        assert_eq!(split_unit_suffix("胸部CT/胸部磁共振平扫", None).1, None);
        assert_eq!(split_unit_suffix("/次", None).1, None);
        assert_eq!(split_unit_suffix("血常规/尿常规", None).1, None);
        // Longer units: a `每…`, or the item's own unit column.
        assert_eq!(
            split_unit_suffix("肝血流显象(急诊)/每个视野", None)
                .1
                .as_deref(),
            Some("每个视野")
        );
        assert_eq!(
            split_unit_suffix("脑电监测/小时以上", Some("小时以上"))
                .1
                .as_deref(),
            Some("小时以上")
        );
        assert_eq!(split_unit_suffix("脑电监测/小时以上", Some("次")).1, None);
        assert_eq!(split_unit_suffix("血常规/尿常规", Some("次")).1, None);
    }
}
