//! A byte budget per record under the text parsers. The csv, quick-xml and
//! serde_json readers each hold a whole record (a line, an element, an array
//! element) before handing it over; a 1 GiB line would be held whole, several
//! times. The budget sits below them and fails the read once one record has
//! taken more than `max_record_bytes`, so no record can grow past it.
//!
//! It can also fold lone carriage returns (old Mac line ends) into line feeds,
//! so line numbers count them: the csv crate counts `\n` only.

use crate::limits::BUDGET_MARK;
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// Bytes a parser may have read ahead of the record it is on (its buffer).
const SLACK: u64 = 64 * 1024;

#[derive(Default)]
struct State {
    delivered: Cell<u64>,
    mark: Cell<u64>,
    eof: Cell<bool>,
}

/// The parser's side of the budget: it marks where each record starts.
#[derive(Clone, Default)]
pub(crate) struct Budget(Rc<State>);

impl Budget {
    /// A new record starts at the bytes delivered so far.
    pub(crate) fn mark(&self) {
        self.0.mark.set(self.0.delivered.get());
    }
    /// Bytes delivered since the last mark.
    pub(crate) fn since_mark(&self) -> u64 {
        self.0.delivered.get().saturating_sub(self.0.mark.get())
    }
    /// Whether the input has reported its end.
    pub(crate) fn at_eof(&self) -> bool {
        self.0.eof.get()
    }
}

/// The reader side: counts bytes delivered, fails past the budget.
pub(crate) struct BudgetReader<R> {
    inner: R,
    budget: Budget,
    limit: u64,
    fold_cr: bool,
    /// Bytes read from `inner`, already folded; `buf[0]` is kept free for a
    /// held CR, which is decided once the next byte is known.
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    held_cr: bool,
}

impl<R: Read> BudgetReader<R> {
    pub(crate) fn new(inner: R, limit: usize, fold_cr: bool) -> (BudgetReader<R>, Budget) {
        let budget = Budget::default();
        (
            BudgetReader {
                inner,
                budget: budget.clone(),
                limit: limit as u64,
                fold_cr,
                buf: vec![0; 1 + (32 << 10)],
                pos: 0,
                len: 0,
                held_cr: false,
            },
            budget,
        )
    }

    /// Refill `buf` (at least one byte, or none at the end).
    fn fill(&mut self) -> io::Result<()> {
        while self.pos == self.len {
            let n = loop {
                match self.inner.read(&mut self.buf[1..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => break r?,
                }
            };
            if n == 0 {
                self.pos = 0;
                self.len = 0;
                if std::mem::take(&mut self.held_cr) {
                    // A CR at the very end is a line end.
                    self.buf[0] = b'\n';
                    self.len = 1;
                } else {
                    self.budget.0.eof.set(true);
                }
                return Ok(());
            }
            let mut end = 1 + n;
            let start = if std::mem::take(&mut self.held_cr) {
                self.buf[0] = if self.buf[1] == b'\n' { b'\r' } else { b'\n' };
                0
            } else {
                1
            };
            if self.fold_cr {
                // A lone CR becomes LF; CRLF stays (the LF follows).
                let mut i = 1;
                while let Some(p) = self.buf[i..end].iter().position(|b| *b == b'\r') {
                    let at = i + p;
                    if at + 1 == end {
                        // The next read shows whether LF follows.
                        self.held_cr = true;
                        end -= 1;
                        break;
                    }
                    if self.buf[at + 1] != b'\n' {
                        self.buf[at] = b'\n';
                    }
                    i = at + 1;
                }
            }
            self.pos = start;
            self.len = end;
        }
        Ok(())
    }
}

impl<R: Read> Read for BudgetReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.budget.since_mark() > self.limit.saturating_add(SLACK) {
            return Err(over_budget(self.limit));
        }
        self.fill()?;
        let k = (self.len - self.pos).min(out.len());
        out[..k].copy_from_slice(&self.buf[self.pos..self.pos + k]);
        self.pos += k;
        let c = &self.budget.0.delivered;
        c.set(c.get() + k as u64);
        Ok(k)
    }
}

/// The I/O error a budget raises; [`limit_message`] turns it back into words.
pub(crate) fn over_budget(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{BUDGET_MARK}max_record_bytes={limit}"),
    )
}

/// If `text` (a parser's error message) carries a budget error, the
/// message naming the limit.
pub(crate) fn limit_message(text: &str) -> Option<String> {
    let at = text.find(BUDGET_MARK)?;
    let rest = &text[at + BUDGET_MARK.len()..];
    let value: String = rest
        .split('=')
        .nth(1)
        .unwrap_or("")
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    Some(format!(
        "一条记录超过 {value} 字节，超出限制 max_record_bytes (a record longer than max_record_bytes = {value} bytes: a line without end, or an unterminated quote)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], chunk: usize, fold: bool) -> io::Result<Vec<u8>> {
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(self.1).min(b.len());
                b[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (mut r, _b) = BudgetReader::new(Chunked(input, chunk), 1 << 20, fold);
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn lone_cr_becomes_lf_and_crlf_stays_whatever_the_chunking() {
        let input = b"a\rb\r\nc\r\rd\r";
        for chunk in 1..8 {
            assert_eq!(
                read_all(input, chunk, true).unwrap(),
                b"a\nb\r\nc\n\nd\n",
                "chunk {chunk}"
            );
        }
        assert_eq!(read_all(input, 3, false).unwrap(), input);
    }

    #[test]
    fn a_record_past_the_budget_fails_with_the_limit_named() {
        let (mut r, budget) = BudgetReader::new(io::repeat(b','), 1000, false);
        let mut buf = vec![0u8; 4096];
        let mut got = 0u64;
        let err = loop {
            match r.read(&mut buf) {
                Ok(n) => got += n as u64,
                Err(e) => break e,
            }
        };
        assert!(got <= 1000 + SLACK + 4096, "{got}");
        let msg = limit_message(&err.to_string()).unwrap();
        assert!(msg.contains("max_record_bytes = 1000"), "{msg}");
        // Marking each record keeps a long stream of short records going.
        let (mut r, budget2) = BudgetReader::new(io::repeat(b'x'), 1000, false);
        for _ in 0..1000 {
            r.read_exact(&mut buf[..100]).unwrap();
            budget2.mark();
        }
        drop(budget);
    }
}
