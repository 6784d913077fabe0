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

/// 注册证编号 of a device: `国械注准 2015 3140123号` → `国械注准20153140123`.
pub fn registration_no(s: &str) -> Option<String> {
    let c: String = code(s)
        .chars()
        .filter(|c| *c != '第' && *c != '号' && *c != '-')
        .collect();
    (!c.is_empty()).then_some(c)
}

/// A provincial price-item code: folded, separators dropped.
pub fn price_code(s: &str) -> Option<String> {
    let c: String = code(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
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
        assert_eq!(icd("A00.000x001"), icd("a00000X001"));
        assert_eq!(icd("A00.000 X001"), icd("A00.000x001"));
        assert_eq!(price_code("11-0101-001"), Some("110101001".into()));
        assert_eq!(price_item("33331400007"), price_item("331400007"));
        assert_eq!(price_item("003314000070200").as_deref(), Some("331400007"));
    }
}
