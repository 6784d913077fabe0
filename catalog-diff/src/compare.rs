//! Field-by-field comparison of two rows of the same code.

use super::{DiffOptions, FieldChange};
use catalog_core::entry::{field_specs, Entry, FieldKind, FieldSpec, FieldValue};
use catalog_core::normalize::fold_width;
use rust_decimal::Decimal;
use serde::Serialize;
use similar::{capture_diff_slices_deadline, Algorithm, DiffTag};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// What a piece of a long-text diff does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentOp {
    /// In both texts.
    Equal,
    /// Only in the old text.
    Delete,
    /// Only in the new text.
    Insert,
}

/// A run of text with what the diff did to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// Kept, deleted or inserted.
    pub op: SegmentOp,
    /// The text of the run.
    pub text: String,
}

/// Decides which fields count and how text is folded before comparing.
pub(crate) struct Comparer<'a> {
    opts: &'a DiffOptions,
}

impl<'a> Comparer<'a> {
    pub(crate) fn new(opts: &'a DiffOptions) -> Self {
        Comparer { opts }
    }

    fn ignored(&self, spec_key: &str, label: &str) -> bool {
        self.opts.ignore_fields.iter().any(|f| {
            let f = f.trim();
            f == spec_key || f == label || spec_key.strip_prefix("extra.") == Some(f)
        })
    }

    /// Text as compared: folded and/or without whitespace, per the options.
    pub(crate) fn fold<'s>(&self, s: &'s str) -> Cow<'s, str> {
        let mut out: Cow<'s, str> = Cow::Borrowed(s);
        if self.opts.ignore_width && !s.is_ascii() {
            out = Cow::Owned(fold_width(s));
        }
        if self.opts.ignore_whitespace && out.chars().any(is_space) {
            out = Cow::Owned(out.chars().filter(|c| !is_space(*c)).collect());
        }
        out
    }

    fn same(&self, kind: FieldKind, a: &FieldValue, b: &FieldValue) -> bool {
        match (a, b) {
            (FieldValue::Money(x), FieldValue::Money(y)) => x == y,
            // Most fields of a changed row did not change: skip the folding.
            (FieldValue::Text(x), FieldValue::Text(y)) if x == y => true,
            (FieldValue::Text(x), FieldValue::Text(y)) => {
                let (fx, fy) = (self.fold(x), self.fold(y));
                fx == fy || (kind == FieldKind::Text && same_number(&fx, &fy))
            }
            (FieldValue::Money(m), FieldValue::Text(t))
            | (FieldValue::Text(t), FieldValue::Money(m)) => {
                t.trim().parse::<Decimal>().is_ok_and(|d| d == *m)
            }
            _ if a.is_empty() && b.is_empty() => true,
            (FieldValue::Text(t), FieldValue::Empty) | (FieldValue::Empty, FieldValue::Text(t)) => {
                self.fold(t).trim().is_empty()
            }
            _ => a == b,
        }
    }

    /// Every reported field change between two rows (the code itself excluded).
    pub(crate) fn fields(&self, old: &Entry, new: &Entry) -> Vec<FieldChange> {
        let mut specs: Vec<FieldSpec> = field_specs(old.category());
        if new.category() != old.category() {
            for s in field_specs(new.category()) {
                if !specs.iter().any(|x| x.key == s.key) {
                    specs.push(s);
                }
            }
        }
        let mut out = Vec::new();
        for s in specs.iter().filter(|s| s.key != "code") {
            if self.ignored(s.key, s.label) {
                continue;
            }
            let (a, b) = (old.field(s.key), new.field(s.key));
            if !self.same(s.kind, &a, &b) {
                out.push(field_change(
                    s.key.to_string(),
                    s.label.to_string(),
                    s.kind,
                    &a,
                    &b,
                ));
            }
        }
        let extra: BTreeSet<&String> = old.extra.keys().chain(new.extra.keys()).collect();
        for h in extra {
            let key = format!("extra.{h}");
            if self.ignored(&key, h) {
                continue;
            }
            let (a, b) = (old.field(&key), new.field(&key));
            if !self.same(FieldKind::Text, &a, &b) {
                out.push(field_change(key, h.clone(), FieldKind::Text, &a, &b));
            }
        }
        out
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Extra columns are untyped text; when both sides read as plain decimals
/// (`12.50` / `12.5`) compare them as numbers, but never codes with leading
/// zeros (`0012` is not `12`).
fn same_number(a: &str, b: &str) -> bool {
    let plain = |s: &str| {
        s.contains('.')
            && !(s.starts_with('0') && s.as_bytes().get(1).is_some_and(|c| c.is_ascii_digit()))
    };
    if !(plain(a) && plain(b)) {
        return false;
    }
    match (a.parse::<Decimal>(), b.parse::<Decimal>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn field_change(
    field: String,
    label: String,
    kind: FieldKind,
    a: &FieldValue,
    b: &FieldValue,
) -> FieldChange {
    let (old, new) = (a.display(), b.display());
    let segments = (kind == FieldKind::LongText && !old.is_empty() && !new.is_empty())
        .then(|| text_segments(&old, &new));
    FieldChange {
        field,
        label,
        kind,
        old,
        new,
        segments,
    }
}

/// Tokens for a Chinese-aware diff: runs of ASCII letters/digits (with `.`,
/// so `0.25g` and `ICU` stay whole) are one token; every other character —
/// each Hanzi, each punctuation mark — is its own token, since Chinese has
/// no spaces to split words on.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        let word = c.is_ascii_alphanumeric() || c == '.';
        match (word, start) {
            (true, None) => start = Some(i),
            (true, Some(_)) => {}
            (false, st) => {
                if let Some(st) = st {
                    out.push(&s[st..i]);
                    start = None;
                }
                out.push(&s[i..i + c.len_utf8()]);
            }
        }
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

/// A token-level diff of two texts as equal/delete/insert segments; adjacent
/// segments of the same kind are merged.
pub fn text_segments(old: &str, new: &str) -> Vec<Segment> {
    let (a, b) = (tokens(old), tokens(new));
    // A deadline keeps pathological texts from stalling a big diff; the
    // result is then coarser but still correct.
    let ops = capture_diff_slices_deadline(
        Algorithm::Myers,
        &a,
        &b,
        Some(Instant::now() + Duration::from_millis(200)),
    );
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |op: SegmentOp, toks: &[&str]| {
        if toks.is_empty() {
            return;
        }
        let text: String = toks.concat();
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(&text),
            _ => out.push(Segment { op, text }),
        }
    };
    for op in ops {
        let (tag, ro, rn) = op.as_tag_tuple();
        let old_part = a.get(ro).unwrap_or_default();
        let new_part = b.get(rn).unwrap_or_default();
        match tag {
            DiffTag::Equal => push(SegmentOp::Equal, old_part),
            DiffTag::Delete => push(SegmentOp::Delete, old_part),
            DiffTag::Insert => push(SegmentOp::Insert, new_part),
            DiffTag::Replace => {
                push(SegmentOp::Delete, old_part);
                push(SegmentOp::Insert, new_part);
            }
        }
    }
    out
}
