//! How a HIS writes a maker: legal forms dropped, place prefix dropped or kept
//! alone, a short core, the marketing-authorisation holder instead of the
//! maker, or the English name of a large maker.

use crate::noise::{chance, pick};
use crate::tables::{ENGLISH_MAKERS, LEGAL_FORMS, PLACES};
use rand_chacha::ChaCha8Rng;

/// The maker as a HIS holds it, and the name of the slip (empty: as listed).
pub fn spell(rng: &mut ChaCha8Rng, maker: &str, holder: Option<&str>) -> (String, &'static str) {
    if maker.is_empty() {
        return (String::new(), "");
    }
    if let Some((_, en)) = ENGLISH_MAKERS.iter().find(|(zh, _)| maker.contains(zh)) {
        if chance(rng, 0.5) {
            return (en.to_string(), "maker_english");
        }
    }
    if let Some(h) = holder.filter(|h| !h.is_empty() && *h != maker) {
        if chance(rng, 0.3) {
            return (h.to_string(), "maker_is_holder");
        }
    }
    let r: f64 = rand::Rng::random(rng);
    if r < 0.25 {
        (maker.to_string(), "")
    } else if r < 0.55 {
        (strip_legal(maker), "maker_no_legal_form")
    } else if r < 0.8 {
        let core = strip_place(&strip_legal(maker));
        (core, "maker_no_place")
    } else if r < 0.92 {
        let core: String = strip_place(&strip_legal(maker)).chars().take(4).collect();
        (core, "maker_short")
    } else {
        let place = PLACES.iter().find(|p| maker.starts_with(**p));
        match place {
            Some(p) => {
                let core: String = strip_place(&strip_legal(maker)).chars().take(2).collect();
                (format!("{p}{core}"), "maker_place_and_two")
            }
            None => (pick(rng, &[maker.to_string()]).clone(), ""),
        }
    }
}

fn strip_legal(s: &str) -> String {
    // Cut at the first legal form (the longest one starting there); a branch
    // (`…股份有限公司中山分公司`) keeps its own name after it.
    let first = LEGAL_FORMS
        .iter()
        .filter_map(|f| s.find(f).map(|i| (i, f.len())))
        .min_by_key(|&(i, len)| (i, std::cmp::Reverse(len)));
    let Some((i, len)) = first else {
        return s.to_string();
    };
    let mut out = s[..i].to_string();
    let tail = &s[i + len..];
    if tail.ends_with("分公司") || tail.ends_with("分厂") {
        out.push_str(tail);
    }
    if out.is_empty() {
        s.to_string()
    } else {
        out
    }
}

fn strip_place(s: &str) -> String {
    for p in PLACES {
        if let Some(rest) = s.strip_prefix(p) {
            let rest = rest
                .strip_prefix("市")
                .or_else(|| rest.strip_prefix("省"))
                .unwrap_or(rest);
            if rest.chars().count() >= 2 {
                return rest.to_string();
            }
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_and_places_come_off() {
        assert_eq!(strip_legal("华北制药股份有限公司"), "华北制药");
        assert_eq!(
            strip_legal("珠海联邦制药股份有限公司中山分公司"),
            "珠海联邦制药中山分公司"
        );
        assert_eq!(strip_place("广州白云山制药"), "白云山制药");
        assert_eq!(strip_place("北京"), "北京");
    }
}
