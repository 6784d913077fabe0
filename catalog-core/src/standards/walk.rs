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
            message: format!(
                "segment {} (position {}{}): {}",
                seg.name,
                start + 1,
                if seg_len_min(seg) > 1 {
                    format!("–{}", start + seg_len_min(seg))
                } else {
                    String::new()
                },
                msg
            ),
        };
        if let Some(lit) = &seg.literal {
            let got = code
                .get(i..i + lit.len())
                .unwrap_or(&code[i.min(code.len())..]);
            if !got.eq_ignore_ascii_case(lit) {
                return Err(fail(i, format!("expected '{lit}', found {}", shown(got))));
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
                        format!("expected one of {}, found {}", opts.join("/"), shown(got)),
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
                        format!("expected at least {min} {}", class_name(class, min)),
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
                            format!(
                                "too short: expected {} characters ({}), found {} — the code has {} characters, this form needs {}",
                                p.len(),
                                describe_pattern(p),
                                shown(got),
                                code.len(),
                                form.segments.iter().map(seg_len_min).sum::<usize>()
                            ),
                        ));
                    }
                    if !class_ok(class, bytes[pos]) {
                        return Err(fail(
                            pos,
                            format!(
                                "character {} must be {} ({}), found '{}'",
                                k + 1,
                                class_name(class, 1),
                                describe_pattern(p),
                                bytes[pos] as char
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
            message: format!(
                "too long: {} characters, this form has {}; unexpected '{}' from position {}",
                code.len(),
                i,
                &code[i..],
                i + 1
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

fn class_name(class: u8, n: usize) -> &'static str {
    match (class, n == 1) {
        (b'L', true) => "a letter",
        (b'L', false) => "letters",
        (b'D', true) => "a digit",
        (b'D', false) => "digits",
        (b'A', true) => "a letter or digit",
        (b'A', false) => "letters or digits",
        (b'X', _) => "a digit or x",
        _ => "?",
    }
}

fn describe_pattern(p: &str) -> String {
    if p.bytes().all(|b| b == b'D') {
        return format!("{} digits", p.len());
    }
    p.bytes()
        .map(|b| match b {
            b'L' => "letter",
            b'D' => "digit",
            b'A' => "letter/digit",
            _ => "digit/x",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn shown(s: &str) -> String {
    if s.is_empty() {
        "nothing".into()
    } else {
        format!("'{s}'")
    }
}
