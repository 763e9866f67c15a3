//! Writing outputs: the record sinks (JSONL, JSON array, CoNLL-U), and the output file
//! itself, held by one writer at a time ([`OutputFile`]) and resumable after a kill.
//!
//! # One writer per output file
//! [`OutputFile::create`] and [`OutputFile::resume`] take an exclusive advisory lock on the
//! file (`flock` on Unix, `LockFileEx` on Windows) before they change it, and hold it until
//! the [`OutputFile`] is dropped; the operating system releases it when the process exits or
//! is killed, so a crash never leaves a stale lock. A second writer of the same file fails at
//! once with [`Error::OutputLocked`] instead of interleaving its records with the first
//! one's. The lock holds between processes of one machine, and across machines on network
//! file systems that support locks (NFSv4, most cluster file systems); on storage without
//! locks (object stores, some FUSE mounts) give each task its own output file and let the
//! job's commit step pick one.
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::records::{output_line_id, OutputRecord};
use crate::error::{Error, Result};

/// Where output records go.
pub trait RecordSink {
    /// Writes one record and flushes it.
    fn write_record(&mut self, record: &OutputRecord) -> io::Result<()>;
    /// Writes whatever closes the output and flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// One JSON object per line (the default format).
pub struct JsonlSink<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl<W: Write> JsonlSink<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        JsonlSink {
            out,
            line: Vec::new(),
        }
    }
    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> RecordSink for JsonlSink<W> {
    fn write_record(&mut self, record: &OutputRecord) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, record).map_err(io::Error::other)?;
        self.line.push(b'\n');
        // One write per record, so a kill leaves at most one partial line.
        self.out.write_all(&self.line)?;
        self.out.flush()
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// CoNLL-U: each annotation's parsed sentences after `# newdoc id = <id>`; an error record
/// becomes `# newdoc id = <id>` and `# error = <reason>` with no sentences.
pub struct ConlluSink<W: Write> {
    out: W,
}

impl<W: Write> ConlluSink<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        ConlluSink { out }
    }
}

impl<W: Write> RecordSink for ConlluSink<W> {
    fn write_record(&mut self, record: &OutputRecord) -> io::Result<()> {
        let text = match record {
            OutputRecord::Annotation(a) => crate::syntax::export::to_conllu(a),
            OutputRecord::Error(e) => {
                let one_line = |s: &str| s.split(['\n', '\r']).collect::<Vec<_>>().join(" ");
                format!(
                    "# newdoc id = {}\n# error = {}\n\n",
                    one_line(&e.id),
                    one_line(&e.error.reason)
                )
            }
        };
        self.out.write_all(text.as_bytes())?;
        self.out.flush()
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A pretty-printed JSON array of records, written as they come.
pub struct JsonArraySink<W: Write> {
    out: W,
    count: usize,
}

impl<W: Write> JsonArraySink<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        JsonArraySink { out, count: 0 }
    }
    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> RecordSink for JsonArraySink<W> {
    fn write_record(&mut self, record: &OutputRecord) -> io::Result<()> {
        let mut buf = Vec::new();
        buf.extend_from_slice(if self.count == 0 { b"[\n" } else { b",\n" });
        serde_json::to_writer_pretty(&mut buf, record).map_err(io::Error::other)?;
        self.count += 1;
        self.out.write_all(&buf)?;
        self.out.flush()
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out
            .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

// ---------------------------------------------------------------------------------------
// The output file: locked, created or resumed

/// What an interrupted run already wrote; built by [`OutputFile::resume`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumeState {
    /// How many times each id occurs in the output.
    pub done: HashMap<String, usize>,
    /// Complete records in the output.
    pub records: usize,
    /// Of those, error records (they count as failures of the resumed run too).
    pub failed: usize,
    /// Bytes of a last line cut short by a kill, now removed.
    pub dropped_bytes: u64,
    /// The file ended in a complete record without its newline (one was added).
    pub needs_newline: bool,
}

impl ResumeState {
    /// True (once per occurrence) when `id` is already in the output.
    pub fn take(&mut self, id: &str) -> bool {
        match self.done.get_mut(id) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// An output file written by this process alone: opened, locked (see the module
/// documentation), then emptied or resumed. Writes go straight to the file (wrap it in a
/// `BufWriter`); the lock is released when it is dropped.
#[derive(Debug)]
pub struct OutputFile {
    file: File,
    path: PathBuf,
}

impl OutputFile {
    /// Opens `path` for a fresh run: locks it, then empties it (an existing file is changed
    /// only once the lock is held, so a second writer never truncates the first one's output).
    pub fn create(path: &Path) -> Result<OutputFile> {
        let output = Self::open_locked(path)?;
        output.file.set_len(0).map_err(|e| Error::io(path, e))?;
        Ok(output)
    }

    /// Opens `path` to continue an interrupted run: locks it, reads the ids of its complete
    /// records, cuts a last line left partial by a kill, and positions at its end. A missing
    /// file is created (an empty state). A broken line before the last one is an error (the
    /// file was not written by an interrupted run, and appending to it could not give one
    /// record per input); nothing is changed then.
    pub fn resume(path: &Path) -> Result<(OutputFile, ResumeState)> {
        let mut output = Self::open_locked(path)?;
        let state = scan_for_resume(&output.file, path)?;
        output
            .file
            .seek(SeekFrom::End(0))
            .map_err(|e| Error::io(path, e))?;
        if state.needs_newline {
            output
                .file
                .write_all(b"\n")
                .map_err(|e| Error::io(path, e))?;
        }
        Ok((output, state))
    }

    fn open_locked(path: &Path) -> Result<OutputFile> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(OutputFile {
                file,
                path: path.to_path_buf(),
            }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::OutputLocked {
                path: path.to_path_buf(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Reads an output file for [`OutputFile::resume`]: the ids of its complete records; cuts a
/// partial last line.
fn scan_for_resume(file: &File, path: &Path) -> Result<ResumeState> {
    let mut reader = BufReader::new(file);
    let mut state = ResumeState::default();
    let mut buf = Vec::new();
    let mut offset = 0u64;
    let mut line_no = 0usize;
    let mut keep = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let complete = buf.ends_with(b"\n");
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        let start = offset;
        offset += n as u64;
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            if complete {
                keep = offset;
            }
            continue;
        }
        match output_line_id(body) {
            Some((id, is_error)) => {
                *state.done.entry(id).or_insert(0) += 1;
                state.records += 1;
                state.failed += is_error as usize;
                keep = offset;
                state.needs_newline = !complete;
            }
            None if !complete => {
                // The last line, cut short: drop it.
                state.dropped_bytes = offset - start;
                keep = start;
            }
            None => {
                return Err(Error::Parse {
                    path: path.display().to_string(),
                    line: line_no,
                    reason: "not an output record (a JSON object with an \"id\"); cannot resume \
                             safely: fix or remove that line, or rerun without --resume"
                        .into(),
                });
            }
        }
    }
    drop(reader);
    if keep < offset {
        file.set_len(keep).map_err(|e| Error::io(path, e))?;
        if state.dropped_bytes == 0 {
            state.dropped_bytes = offset - keep;
        }
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::Annotation;
    use crate::io::test_support::Shared;
    use serde_json::Value;
    use std::fs;

    #[test]
    fn resume_edge_cases() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.jsonl");
        let (_, state) = OutputFile::resume(&missing).unwrap();
        assert_eq!(state, ResumeState::default());
        assert!(missing.exists(), "created, empty");

        // A complete last record without its newline is kept, and a newline is added.
        let path = dir.path().join("nonl.jsonl");
        fs::write(
            &path,
            "{\"id\":\"a\",\"text\":\"x\",\"entities\":[],\"claims\":[]}",
        )
        .unwrap();
        let (mut f, state) = OutputFile::resume(&path).unwrap();
        assert!(state.needs_newline);
        assert_eq!(state.records, 1);
        f.write_all(b"{\"id\":\"b\"}\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 2);

        // A kill in the middle of a multi-byte character.
        let path = dir.path().join("cut.jsonl");
        fs::write(&path, b"{\"id\":\"a\"}\n{\"id\":\"b\",\"text\":\"Mosc\xC3").unwrap();
        let (_, state) = OutputFile::resume(&path).unwrap();
        assert_eq!(state.records, 1);
        assert_eq!(fs::read(&path).unwrap(), b"{\"id\":\"a\"}\n");

        // Garbage before the last line is refused.
        let path = dir.path().join("bad.jsonl");
        fs::write(&path, "{\"id\":\"a\"}\ngarbage\n{\"id\":\"b\"}\n").unwrap();
        let err = OutputFile::resume(&path).unwrap_err().to_string();
        assert!(err.contains("bad.jsonl:2"), "{err}");
        assert_eq!(
            fs::read_to_string(&path).unwrap().lines().count(),
            3,
            "nothing was truncated"
        );
    }

    #[test]
    fn a_second_writer_is_refused_until_the_first_one_closes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let mut first = OutputFile::create(&path).unwrap();
        first.write_all(b"{\"id\":\"a\"}\n").unwrap();
        for second in [
            OutputFile::create(&path).map(|_| ()),
            OutputFile::resume(&path).map(|_| ()),
        ] {
            match second {
                Err(Error::OutputLocked { path: locked }) => assert_eq!(locked, path),
                other => panic!("expected OutputLocked, got {other:?}"),
            }
        }
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "{\"id\":\"a\"}\n",
            "the refused writer changed nothing"
        );
        drop(first);
        let (_, state) = OutputFile::resume(&path).unwrap();
        assert_eq!(state.records, 1, "the lock is released with the file");
    }

    #[test]
    fn an_odd_member_does_not_hide_a_record_from_resume() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        fs::write(&path, "{\"id\":\"a\",\"n\":1e400,\"text\":\"x\"}\n").unwrap();
        let (_, state) = OutputFile::resume(&path).unwrap();
        assert_eq!(state.records, 1);
    }

    #[test]
    fn json_array_sink() {
        let out = Shared::default();
        let mut sink = JsonArraySink::new(out.clone());
        sink.finish().unwrap();
        assert_eq!(out.text(), "[]\n");
        let out = Shared::default();
        let mut sink = JsonArraySink::new(out.clone());
        for id in ["a", "b"] {
            let ann = Annotation {
                id: id.into(),
                ..Default::default()
            };
            sink.write_record(&OutputRecord::Annotation(ann)).unwrap();
        }
        sink.finish().unwrap();
        let v: Value = serde_json::from_str(&out.text()).unwrap();
        assert_eq!(v[1]["id"], "b");
        assert!(out.text().contains("\n  \"id\": \"a\""));
    }
}
