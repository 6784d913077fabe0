//! Exact keys: 批准文号, 本位码, 注册证编号, price-item codes and ICD codes,
//! each brought to one canonical spelling so that an equality test works.

use catalog_core::normalize::code;

/// `国药准字 h20003263`, `H20003263`, `国药准字H20003263` → `国药准字H20003263`.
/// Imported-drug numbers (`H20140xxx` 注册证号, `HJ…`, `BH…`) keep their own
/// letters; anything unrecognised is returned folded but otherwise as given.
pub fn approval_no(s: &str) -> Option<String> {
    let c = code(s);
    if c.is_empty() {
        return None;
    }
    let ascii: String = c.chars().filter(|ch| ch.is_ascii_alphanumeric()).collect();
    let ascii = approval_ocr(&ascii);
    // Letters then digits (H20003263, Z10983013, S19990011, J20150001, HJ20160001).
    let letters: String = ascii
        .chars()
        .take_while(|ch| ch.is_ascii_alphabetic())
        .collect();
    let digits: String = ascii[letters.len()..]
        .chars()
        .take_while(|ch| ch.is_ascii_digit())
        .collect();
    if (1..=3).contains(&letters.len())
        && digits.len() >= 6
        && letters.len() + digits.len() == ascii.len()
    {
        let body = format!("{letters}{digits}");
        if c.contains("国药准字")
            || (letters.len() == 1 && digits.len() == 8 && !c.contains("注册证"))
        {
            return Some(format!("国药准字{body}"));
        }
        return Some(body);
    }
    Some(c)
}

/// The lookup key of an approval number: just the letter+digit body, so a
/// `国药准字` prefix present on one side only still matches.
pub fn approval_key(s: &str) -> Option<String> {
    let a = approval_no(s)?;
    let body: String = a.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if body.len() >= 6 {
        Some(body)
    } else {
        Some(a)
    }
}

/// 药品本位码: 14 digits.
pub fn standard_code(s: &str) -> Option<String> {
    let d: String = code(s).chars().filter(|c| c.is_ascii_digit()).collect();
    (d.len() >= 10).then_some(d)
}

/// 注册证编号 of a device: `国械注准 2015 3140123号` → `国械注准20153140123`;
/// an OCR slip in the number (`201S3222411`) is read back as the digit.
pub fn registration_no(s: &str) -> Option<String> {
    let c: String = code(s)
        .chars()
        .filter(|c| *c != '第' && *c != '号' && *c != '-' && !c.is_whitespace())
        .collect();
    if c.is_empty() {
        return None;
    }
    // The number after the word prefix (国械注准, 鲁械备) is all digits.
    let split = c
        .char_indices()
        .find(|(_, ch)| ch.is_ascii_alphanumeric())
        .map_or(c.len(), |(i, _)| i);
    let (prefix, number) = c.split_at(split);
    Some(format!("{prefix}{}", digits_ocr(number)))
}

/// The letter or digit OCR and hurried typing put for a digit.
fn ocr_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' | 'D' | 'Q' => Some('0'),
        'I' | 'L' => Some('1'),
        'S' => Some('5'),
        'B' => Some('8'),
        'Z' => Some('2'),
        _ => None,
    }
}

/// A run that should be all digits, with at most two OCR confusions read
/// back; anything else is returned as it is.
fn digits_ocr(s: &str) -> String {
    let slips = s.chars().filter(|c| !c.is_ascii_digit()).count();
    let n = s.chars().count();
    if n >= 8 && slips <= 2 && s.chars().all(|c| ocr_digit(c).is_some()) {
        s.chars().filter_map(ocr_digit).collect()
    } else {
        s.to_string()
    }
}

/// A 批准文号 body is one letter (H, Z, S, J, B, T, F) and eight digits;
/// confusions in the digits (`H2OOO3263`, `Z1O983O13`) are read back.
fn approval_ocr(ascii: &str) -> String {
    let mut chars = ascii.chars();
    match chars.next() {
        Some(l) if "HZSJBTF".contains(l) && ascii.len() == 9 => {
            format!("{l}{}", digits_ocr(chars.as_str()))
        }
        _ => ascii.to_string(),
    }
}

/// Keys typed into free text (a name, a spec, any column): a 批准文号, a
/// device 注册证号/备案号 or a 14-digit 本位码, each as its look-up form.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FoundKeys {
    /// The 批准文号's look-up key ([`approval_key`]).
    pub approval_key: Option<String>,
    /// The 注册证号 ([`registration_no`]).
    pub registration_no: Option<String>,
    /// The 本位码 ([`standard_code`]).
    pub standard_code: Option<String>,
}

/// Find keys inside free text: `阿莫西林胶囊(国药准字H44021351)`,
/// `内固定（鲁械备20244157）`, `… 86901187000015`. Only whole tokens are
/// taken, so a model number or a price never reads as a key.
pub fn find_in_text(text: &str) -> FoundKeys {
    let c: Vec<char> = catalog_core::normalize::clean_text(text)
        .chars()
        .map(|ch| ch.to_ascii_uppercase())
        .collect();
    let mut found = FoundKeys::default();
    let alnum = |i: usize| c.get(i).is_some_and(|ch| ch.is_ascii_alphanumeric());
    // Up to `max` digit-like characters from `i`, single spaces skipped
    // (`2014 3035969`); returns them and where they end.
    let digits_from = |i: usize, max: usize| -> (String, usize) {
        let mut j = i;
        let mut out = String::new();
        while j < c.len() && out.len() < max {
            if c[j] == ' ' && c.get(j + 1).is_some_and(|x| x.is_ascii_digit()) {
                j += 1;
                continue;
            }
            match ocr_digit(c[j]) {
                Some(_) => out.push(c[j]),
                None => break,
            }
            j += 1;
        }
        (out, j)
    };
    let mut i = 0;
    while i < c.len() {
        // 国械注准/进/许, 粤械注准, 鲁械备: a CJK word ending in 械注X or 械备.
        if c[i] == '械' {
            let start = i.saturating_sub(1);
            let mut j = i + 1;
            while j < c.len() && matches!(c[j], '注' | '准' | '进' | '许' | '备' | '字' | ' ')
            {
                j += 1;
            }
            let (num, end) = digits_from(j, 11);
            if num.len() >= 8 && !alnum(end) && found.registration_no.is_none() {
                let prefix: String = c[start..j].iter().filter(|ch| **ch != ' ').collect();
                found.registration_no = registration_no(&format!("{prefix}{num}"));
            }
            i = end.max(i + 1);
            continue;
        }
        if c[i].is_ascii_digit() && (i == 0 || !alnum(i - 1)) {
            let mut j = i;
            while j < c.len() && c[j].is_ascii_digit() {
                j += 1;
            }
            if found.standard_code.is_none() && j - i == 14 && c[i] == '8' && c[i + 1] == '6' {
                found.standard_code = Some(c[i..j].iter().collect());
            }
            i = j;
            continue;
        }
        if "HZSJBTF".contains(c[i]) && (i == 0 || !alnum(i - 1)) {
            let at = if c.get(i + 1) == Some(&' ') {
                i + 2
            } else {
                i + 1
            };
            let (num, end) = digits_from(at, 8);
            if num.len() == 8 && !alnum(end) && found.approval_key.is_none() {
                found.approval_key = approval_key(&format!("{}{num}", c[i]));
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    found
}

/// A provincial price-item code: folded, separators dropped, and a local
/// sub-price suffix (`311202001-03`, `250104032_01`) cut off when what is left
/// still holds a whole 9-digit item code — otherwise the suffix's digits
/// became the tail of the code and the prefix rule read another item.
pub fn price_code(s: &str) -> Option<String> {
    let folded = code(s);
    let mut body = folded.trim_end();
    // Suffixes can stack (`311202001-03-01`: a sub-price of a sub-price).
    for _ in 0..3 {
        let Some(at) = body.rfind(['-', '_', '.', '/']) else {
            break;
        };
        let (head, tail) = (&body[..at], &body[at + 1..]);
        let head_digits = head.chars().filter(char::is_ascii_digit).count();
        if (1..=3).contains(&tail.len())
            && tail.chars().all(|c| c.is_ascii_digit())
            && head_digits >= 9
        {
            body = head;
        } else {
            break;
        }
    }
    let c: String = body.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    (!c.is_empty()).then_some(c)
}

/// The 9-digit national service-item code inside a price code: provincial
/// codes prefix it (`33` + `331400007`), the 15-digit national code wraps it.
pub fn price_item(s: &str) -> Option<String> {
    let d: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    if d.len() == 15 && d.starts_with("00") {
        return Some(d[2..11].to_string());
    }
    if d.len() >= 9 {
        return Some(d[d.len() - 9..].to_string());
    }
    (!s.is_empty()).then(|| s.to_string())
}

/// ICD codes in either edition's spelling (`A00.000x001`, `a00000X001`,
/// `A00.000X001`) → one key: upper case, no dots or spaces.
pub fn icd(s: &str) -> Option<String> {
    let c: String = code(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    (!c.is_empty()).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approval_numbers_fold_to_one_form() {
        assert_eq!(
            approval_no("国药准字 h20003263").as_deref(),
            Some("国药准字H20003263")
        );
        assert_eq!(
            approval_no("H20003263").as_deref(),
            Some("国药准字H20003263")
        );
        assert_eq!(
            approval_no("国药准字Ｈ２０００３２６３").as_deref(),
            Some("国药准字H20003263")
        );
        assert_eq!(
            approval_no("国药准字Z10983013").as_deref(),
            Some("国药准字Z10983013")
        );
        assert_eq!(
            approval_no("注册证号H20140106").as_deref(),
            Some("H20140106")
        );
        assert_eq!(approval_no("  ").as_deref(), None);
        assert_eq!(approval_key("国药准字H20003263"), approval_key("h20003263"));
        assert_eq!(
            approval_key("H20140106"),
            approval_key("注册证号 H20140106")
        );
    }

    #[test]
    fn ocr_slips_in_approval_numbers_are_read_back() {
        assert_eq!(approval_key("国药准字H20OO3263"), approval_key("H20003263"));
        assert_eq!(approval_key("z1O983013"), approval_key("Z10983013"));
        // Too many letters: not a slip, left as given.
        assert_eq!(approval_key("HOOOOOOOO").as_deref(), Some("HOOOOOOOO"));
    }

    #[test]
    fn keys_are_found_inside_names_and_columns() {
        let f = find_in_text("阿莫西林胶囊(国药准字 H44021351)");
        assert_eq!(f.approval_key.as_deref(), Some("H44021351"));
        let f = find_in_text("阿奇霉素片 0.25g*6片 h200O3263");
        assert_eq!(f.approval_key.as_deref(), Some("H20003263"));
        let f = find_in_text("内固定 MTS 6443（鲁械备20244157）");
        assert_eq!(f.registration_no.as_deref(), Some("鲁械备20244157"));
        let f = find_in_text("导管（国械注进 2014 3035969）");
        assert_eq!(f.registration_no, registration_no("国械注进20143035969"));
        let f = find_in_text("本位码86901187000015");
        assert_eq!(f.standard_code.as_deref(), Some("86901187000015"));
        // A model number, a strength and a price are no keys.
        assert_eq!(
            find_in_text("内固定 JT-227 0.25g 12.50元"),
            FoundKeys::default()
        );
        assert_eq!(find_in_text("BSB12345678"), FoundKeys::default());
    }

    #[test]
    fn other_keys() {
        assert_eq!(
            standard_code(" 86901187000015 ").as_deref(),
            Some("86901187000015")
        );
        assert_eq!(standard_code("abc"), None);
        assert_eq!(
            registration_no("国械注准 2015 3140123号").as_deref(),
            Some("国械注准20153140123")
        );
        assert_eq!(
            registration_no("国械注准201S3222411"),
            registration_no("国械注准 2015 3222411号")
        );
        assert_eq!(icd("A00.000x001"), icd("a00000X001"));
        assert_eq!(icd("A00.000 X001"), icd("A00.000x001"));
        assert_eq!(price_code("11-0101-001"), Some("110101001".into()));
        assert_eq!(price_item("33331400007"), price_item("331400007"));
        assert_eq!(price_item("003314000070200").as_deref(), Some("331400007"));
        // A local suffix comes off before the prefix rule reads the last 9 digits.
        let item = |s: &str| price_code(s).and_then(|p| price_item(&p));
        assert_eq!(item("311202001-03").as_deref(), Some("311202001"));
        assert_eq!(item("311202001-03-01").as_deref(), Some("311202001"));
        assert_eq!(item("f250104032-03").as_deref(), Some("250104032"));
        assert_eq!(item("00120100015-01").as_deref(), Some("120100015"));
        assert_eq!(item("3312.04011").as_deref(), Some("331204011"));
        // Separators inside a 9-digit code are not a suffix.
        assert_eq!(item("11-0101-001").as_deref(), Some("110101001"));
    }
}
