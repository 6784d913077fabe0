//! How far a streaming reader is through its source, for a progress bar with
//! a percentage and time left. Read off a duplicate of the reader's own file
//! handle: the two share one file offset, so no reader stack (decoders,
//! budgets, parser threads) needs a counting wrapper.

use std::fs::File;
use std::io::Seek;

/// The offset of a file being read front to back, over `[start, end)`.
pub(crate) struct Position {
    file: File,
    start: u64,
    end: u64,
}

impl Position {
    /// Follow `f` (which the reader keeps) from its start to its end.
    pub(crate) fn of(f: &File) -> Option<Position> {
        let end = f.metadata().ok()?.len();
        Some(Position {
            file: f.try_clone().ok()?,
            start: 0,
            end,
        })
    }

    /// Only the bytes `[start, end)` count (a sheet inside an xlsx ZIP).
    pub(crate) fn within(mut self, start: u64, end: u64) -> Position {
        self.start = start;
        self.end = end.max(start);
        self
    }

    /// Share of the span read so far, in `[0, 1]`; `None` for an empty span.
    pub(crate) fn fraction(&self) -> Option<f64> {
        if self.end <= self.start {
            return None;
        }
        let at = (&self.file).stream_position().ok()?;
        let done = at.saturating_sub(self.start) as f64 / (self.end - self.start) as f64;
        Some(done.clamp(0.0, 1.0))
    }
}

impl std::fmt::Debug for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Position({:?})", self.fraction())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn follows_the_offset_of_the_readers_handle() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::File::create(&p)
            .unwrap()
            .write_all(&[7u8; 1000])
            .unwrap();
        let mut f = File::open(&p).unwrap();
        let pos = Position::of(&f).unwrap();
        assert_eq!(pos.fraction(), Some(0.0));
        let mut buf = [0u8; 250];
        f.read_exact(&mut buf).unwrap();
        assert_eq!(pos.fraction(), Some(0.25));
        let inner = Position::of(&f).unwrap().within(200, 400);
        assert_eq!(inner.fraction(), Some(0.25));
        let mut rest = Vec::new();
        f.read_to_end(&mut rest).unwrap();
        assert_eq!(pos.fraction(), Some(1.0));
        assert_eq!(inner.fraction(), Some(1.0));
        assert_eq!(Position::of(&f).unwrap().within(5, 5).fraction(), None);
    }
}
