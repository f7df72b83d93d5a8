//! A writer that keeps at most a given number of bytes, so serializing a large value allocates
//! no more than that.

use std::io;

/// Collects at most `limit` bytes; a write past it keeps what fits and fails.
pub(crate) struct BoundedWriter {
    buf: Vec<u8>,
    limit: usize,
    overflowed: bool,
}

impl BoundedWriter {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            buf: Vec::new(),
            limit,
            overflowed: false,
        }
    }

    /// The text written (lossy UTF-8: a cut may split a character) and whether it is complete.
    pub(crate) fn finish(self) -> (String, bool) {
        let complete = !self.overflowed;
        let text = match String::from_utf8(self.buf) {
            Ok(s) => s,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let mut bytes = e.into_bytes();
                bytes.truncate(valid);
                String::from_utf8(bytes).unwrap_or_default()
            }
        };
        (text, complete)
    }
}

impl io::Write for BoundedWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.buf.len());
        if data.len() > room {
            self.buf.extend_from_slice(&data[..room]);
            self.overflowed = true;
            return Err(io::Error::other("output limit reached"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
