//! Walking a code through a form's segments, and the failure that says how
//! far it got.

use super::table::{Form, Segment};

/// How far a form got before failing; the furthest failure is the most useful message.
pub(super) struct Failure {
    pub(super) progress: usize,
    pub(super) segment: Option<String>,
    pub(super) position: usize,
    pub(super) message: String,
}

/// Walk `code` through `form`'s segments, calling `each(segment, start, end)`
/// (byte offsets) for every segment taken. Nothing is allocated unless the
/// code fails, so a plain yes/no check costs no more than the scan.
pub(super) fn walk_form(
    form: &Form,
    code: &str,
    mut each: impl FnMut(&Segment, usize, usize),
) -> Result<(), Failure> {
    let bytes = code.as_bytes();
    let mut i = 0usize;
    for seg in &form.segments {
        let start = i;
        let fail = |pos: usize, msg: String| Failure {
            progress: pos,
            segment: Some(seg.name.clone()),
            position: pos + 1,
            message: tr!(
                "walk.segment",
                seg = seg.name,
                range = if seg_len_min(seg) > 1 {
                    format!("{}–{}", start + 1, start + seg_len_min(seg))
                } else {
                    (start + 1).to_string()
                },
                msg = msg
            ),
        };
        if let Some(lit) = &seg.literal {
            let got = code
                .get(i..i + lit.len())
                .unwrap_or(&code[i.min(code.len())..]);
            if !got.eq_ignore_ascii_case(lit) {
                return Err(fail(i, tr!("walk.literal", lit = lit, got = shown(got))));
            }
            i += lit.len();
        } else if let Some(opts) = &seg.one_of {
            let hit = opts.iter().find(|o| {
                code.get(i..i + o.len())
                    .is_some_and(|g| g.eq_ignore_ascii_case(o))
            });
            match hit {
                Some(o) => i += o.len(),
                None => {
                    let got = code.get(i..i + 2).unwrap_or(&code[i.min(code.len())..]);
                    return Err(fail(
                        i,
                        tr!("walk.one_of", opts = opts.join("/"), got = shown(got)),
                    ));
                }
            }
        } else if let Some(p) = &seg.pattern {
            if let Some((min, max)) = seg.repeat {
                let class = p.as_bytes()[0];
                let mut n = 0;
                while n < max && i + n < bytes.len() && class_ok(class, bytes[i + n]) {
                    n += 1;
                }
                if n < min {
                    return Err(fail(
                        i + n,
                        tr!("walk.at_least", min = min, class = class_name(class, min)),
                    ));
                }
                i += n;
            } else {
                for (k, &class) in p.as_bytes().iter().enumerate() {
                    let pos = i + k;
                    if pos >= bytes.len() {
                        let got = &code[i..];
                        return Err(fail(
                            pos,
                            tr!(
                                "walk.too_short",
                                n = p.len(),
                                pattern = describe_pattern(p),
                                got = shown(got),
                                len = code.len(),
                                need = form.segments.iter().map(seg_len_min).sum::<usize>()
                            ),
                        ));
                    }
                    if !class_ok(class, bytes[pos]) {
                        return Err(fail(
                            pos,
                            tr!(
                                "walk.char",
                                k = k + 1,
                                class = class_name(class, 1),
                                pattern = describe_pattern(p),
                                c = bytes[pos] as char
                            ),
                        ));
                    }
                }
                i += p.len();
            }
        }
        each(seg, start, i);
    }
    if i < code.len() {
        return Err(Failure {
            progress: i,
            segment: None,
            position: i + 1,
            message: tr!(
                "walk.too_long",
                len = code.len(),
                n = i,
                rest = &code[i..],
                pos = i + 1
            ),
        });
    }
    Ok(())
}

pub(super) fn seg_len_min(s: &Segment) -> usize {
    if let Some(l) = &s.literal {
        l.len()
    } else if let Some(o) = &s.one_of {
        o.iter().map(|x| x.len()).min().unwrap_or(0)
    } else if let Some((min, _)) = s.repeat {
        min
    } else {
        s.pattern.as_ref().map_or(0, |p| p.len())
    }
}

fn class_ok(class: u8, c: u8) -> bool {
    match class {
        b'L' => c.is_ascii_uppercase(),
        b'D' => c.is_ascii_digit(),
        b'A' => c.is_ascii_uppercase() || c.is_ascii_digit(),
        b'X' => c.is_ascii_digit() || c == b'X',
        _ => false,
    }
}

fn class_name(class: u8, n: usize) -> String {
    match (class, n == 1) {
        (b'L', true) => tr!("class.letter"),
        (b'L', false) => tr!("class.letters"),
        (b'D', true) => tr!("class.digit"),
        (b'D', false) => tr!("class.digits"),
        (b'A', true) => tr!("class.alnum"),
        (b'A', false) => tr!("class.alnums"),
        (b'X', _) => tr!("class.digit_x"),
        _ => "?".into(),
    }
}

fn describe_pattern(p: &str) -> String {
    if p.bytes().all(|b| b == b'D') {
        return tr!("pattern.digits", n = p.len());
    }
    let parts = p
        .bytes()
        .map(|b| match b {
            b'L' => tr!("pattern.letter"),
            b'D' => tr!("pattern.digit"),
            b'A' => tr!("pattern.alnum"),
            _ => tr!("pattern.digit_x"),
        })
        .collect::<Vec<_>>()
        .join(&tr!("pattern.sep"));
    tr!("pattern.mixed", n = p.len(), parts = parts)
}

fn shown(s: &str) -> String {
    if s.is_empty() {
        tr!("walk.nothing")
    } else {
        match crate::i18n::lang() {
            crate::i18n::Lang::Zh => format!("“{s}”"),
            crate::i18n::Lang::En => format!("'{s}'"),
        }
    }
}
