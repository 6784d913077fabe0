//! Typed parsing of cell text: dates, money, 有效标志, 协议有效期.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use std::str::FromStr;

/// `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`, `YYYY年M月D日`, a
/// datetime whose date part is one of those, or an Excel serial day number.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = catalog_core::normalize::fold_width(s.trim());
    let t = t.trim();
    if t.is_empty() {
        return None;
    }
    // Drop a time part: "2026-01-01 00:00:00", "2026-01-01T00:00:00".
    let date_part = t.split([' ', 'T']).next().unwrap_or(t);
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"] {
        if let Ok(d) = NaiveDate::parse_from_str(date_part, fmt) {
            return Some(d);
        }
    }
    if date_part.len() == 8 && date_part.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(date_part, "%Y%m%d").ok();
    }
    // Excel serial (1900 system): plausible catalogue dates only, 1950..2100.
    if let Ok(n) = date_part.parse::<f64>() {
        if (18264.0..73051.0).contains(&n) {
            let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
            return base.checked_add_signed(Duration::days(n.trunc() as i64));
        }
    }
    None
}

/// Money: `12.50`, `12.50元`, `￥12.5`, `1,234.00`, or `780.00元(100mg(10ml)/瓶)`
/// (amount plus the unit it is per). Returns (amount, unit text).
pub fn parse_money(s: &str) -> Option<(Decimal, Option<String>)> {
    let t = catalog_core::normalize::fold_width(s.trim());
    let t = t.trim().trim_start_matches(['¥', '￥']).trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',' || c == '-'))
        .unwrap_or(t.len());
    let (num, rest) = t.split_at(end);
    let num: String = num.chars().filter(|c| *c != ',').collect();
    if num.is_empty() {
        return None;
    }
    let amount = Decimal::from_str(&num).ok()?;
    let rest = rest.trim();
    let rest = rest.strip_prefix('元').unwrap_or(rest).trim();
    if rest.is_empty() {
        return Some((amount, None));
    }
    // The unit is in brackets after the amount: (100mg(10ml)/瓶) or /瓶.
    let unit = if rest.starts_with('(') && rest.ends_with(')') {
        &rest[1..rest.len() - 1]
    } else {
        rest
    };
    let unit = unit.strip_prefix('/').unwrap_or(unit).trim();
    if unit.is_empty() || unit.chars().any(|c| c.is_ascii_digit()) && unit.parse::<f64>().is_ok() {
        return None;
    }
    Some((amount, Some(unit.to_string())))
}

/// 有效标志: 1/0, 有效/无效, 是/否, Y/N, true/false. Empty means active.
pub fn parse_active(s: &str) -> Option<bool> {
    let t = catalog_core::normalize::fold_width(s.trim()).to_ascii_lowercase();
    match t.as_str() {
        "" | "1" | "有效" | "是" | "y" | "yes" | "true" | "启用" | "正常" => Some(true),
        "0" | "无效" | "否" | "n" | "no" | "false" | "停用" | "失效" => Some(false),
        _ => None,
    }
}

/// `2026年1月1日至2027年12月31日` (also `-`, `~`, `—` between the dates).
pub fn parse_period(s: &str) -> Option<(NaiveDate, NaiveDate)> {
    let t = catalog_core::normalize::fold_width(s.trim());
    for sep in ["至", "~", "—", "--", " - "] {
        if let Some((a, b)) = t.split_once(sep) {
            return Some((parse_date(a)?, parse_date(b)?));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_in_every_published_form() {
        for s in [
            "2026-01-09",
            "2026/1/9",
            "20260109",
            "2026年1月9日",
            "2026-01-09 00:00:00",
            "46031",
            "２０２６－０１－０９",
        ] {
            assert_eq!(parse_date(s), Some(d("2026-01-09")), "{s}");
        }
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("soon"), None);
        assert_eq!(parse_date("12"), None);
    }

    #[test]
    fn money_with_units_and_scale() {
        let (m, u) = parse_money("780.00元(100mg(10ml)/瓶)").unwrap();
        assert_eq!(m.to_string(), "780.00");
        assert_eq!(u.as_deref(), Some("100mg(10ml)/瓶"));
        assert_eq!(parse_money("12.50").unwrap().0.to_string(), "12.50");
        assert_eq!(
            parse_money("12.50元").unwrap(),
            (Decimal::from_str("12.50").unwrap(), None)
        );
        assert_eq!(parse_money("1,234.5").unwrap().0.to_string(), "1234.5");
        assert_eq!(parse_money("*"), None);
        assert_eq!(parse_money("abc"), None);
    }

    #[test]
    fn flags_and_periods() {
        assert_eq!(parse_active("0"), Some(false));
        assert_eq!(parse_active("有效"), Some(true));
        assert_eq!(parse_active("否"), Some(false));
        assert_eq!(parse_active("maybe"), None);
        assert_eq!(
            parse_period("2026年1月1日至2027年12月31日"),
            Some((d("2026-01-01"), d("2027-12-31")))
        );
        assert_eq!(parse_period("2026年1月1日"), None);
    }
}
