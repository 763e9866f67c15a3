//! Reading documents (JSONL, .txt files, directories, stdin) and writing annotations, one
//! record at a time.
//!
//! # Input
//! - a JSONL file (`.jsonl`, `.ndjson`, `.json`) or stdin: one object per line with `text`
//!   and an optional `id` (a string or a number; missing, `null` or `""` gives `line-N`, or
//!   `NAME:line-N` when several inputs are read, `NAME` being the file's name). Blank lines
//!   are not records and are skipped. Other fields are ignored.
//! - a `.txt` file (any other extension too): one document, its id the file stem.
//! - a directory: its `.txt` files (not recursive), in name order.
//!
//! # Output
//! Exactly one record per input record, in input order: an [`Annotation`] (DESIGN.md) or,
//! when a record could not be read or annotated, an error record
//!
//! ```json
//! {"id": "line-3", "error": {"source": "corpus.jsonl", "line": 3, "reason": "malformed JSON: ..."}}
//! ```
//!
//! `source` is the input path (`<stdin>` for stdin), `line` the 1-based line number in a
//! JSONL input (absent for a .txt document), `reason` a human-readable message. An empty
//! (or whitespace-only) text is not an error: it gets an annotation with no entities and no
//! claims.
//!
//! # Resume
//! [`prepare_resume`] reads an existing JSONL output, drops a last line cut short by a
//! kill, and returns the ids already written; [`annotate_stream`] skips those records, so a
//! rerun appends exactly the records that are missing.
use std::collections::{HashMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::annotation::{Annotation, Claim, Entity, Label, Mode, Polarity, Stance};
use crate::error::{Error, Result};
use crate::pipeline::Document;
use crate::text::OffsetMap;

/// The longest JSONL line or .txt file read as one record (64 MiB); a longer one gives an
/// error record instead of exhausting memory.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// The name error records and messages use for standard input.
pub const STDIN_NAME: &str = "<stdin>";

// ---------------------------------------------------------------------------------------
// Records

/// Where an error record's input came from, and why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    /// Input path, or `<stdin>`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// 1-based line number in a JSONL input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub reason: String,
}

/// The output for a record that could not be read or annotated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorRecord {
    pub id: String,
    pub error: RecordError,
}

/// One line of output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OutputRecord {
    Error(ErrorRecord),
    Annotation(Annotation),
}

impl OutputRecord {
    pub fn id(&self) -> &str {
        match self {
            OutputRecord::Error(e) => &e.id,
            OutputRecord::Annotation(a) => &a.id,
        }
    }
}

/// One record read from the input, before annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRecord {
    pub id: String,
    /// Input path, or `<stdin>`.
    pub source: String,
    /// 1-based line number in a JSONL input.
    pub line: Option<usize>,
    /// The text, or why it could not be read.
    pub text: std::result::Result<String, String>,
    /// Input bytes this record took (for progress).
    pub bytes: u64,
    /// No further input was ready when this record was read (stdin only): annotate what is
    /// pending now rather than wait for a full batch, so a slow producer gets answers promptly.
    pub flush_hint: bool,
}

impl InputRecord {
    fn error_record(&self, reason: String) -> ErrorRecord {
        ErrorRecord {
            id: self.id.clone(),
            error: RecordError { source: self.source.clone(), line: self.line, reason },
        }
    }
}

// ---------------------------------------------------------------------------------------
// Input

/// How to read an input path (or stdin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// By extension: `.jsonl`, `.ndjson`, `.json` are JSONL, anything else one text; stdin JSONL.
    #[default]
    Auto,
    /// JSONL with `id` and `text`.
    Jsonl,
    /// Plain text, one document per file (stdin: one document with id `stdin`).
    Text,
}

/// One input named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSpec {
    Stdin,
    Path(PathBuf),
}

impl InputSpec {
    /// `-` is stdin, anything else a path.
    pub fn parse(arg: &Path) -> InputSpec {
        if arg.as_os_str() == "-" {
            InputSpec::Stdin
        } else {
            InputSpec::Path(arg.to_path_buf())
        }
    }
}

/// A resolved input: what to read and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    StdinJsonl,
    StdinText,
    Jsonl(PathBuf),
    Text(PathBuf),
}

impl Source {
    /// The path, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::StdinJsonl | Source::StdinText => STDIN_NAME.to_string(),
            Source::Jsonl(p) | Source::Text(p) => p.display().to_string(),
        }
    }
}

/// The inputs of a run, resolved; built by [`plan_inputs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputPlan {
    pub sources: Vec<Source>,
    /// Total input bytes when every input is a file (for an ETA).
    pub total_bytes: Option<u64>,
}

fn is_jsonl_path(p: &Path) -> bool {
    matches!(
        p.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref(),
        Some("jsonl" | "ndjson" | "json")
    )
}

fn is_txt_path(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).map(|e| e.eq_ignore_ascii_case("txt")).unwrap_or(false)
}

/// Resolves inputs: checks that every path exists, lists directories. No inputs means stdin.
/// Fails (a usage error) on a missing path or a directory without .txt files.
pub fn plan_inputs(specs: &[InputSpec], format: InputFormat) -> Result<InputPlan> {
    let specs: Vec<InputSpec> = if specs.is_empty() { vec![InputSpec::Stdin] } else { specs.to_vec() };
    let mut sources = Vec::new();
    let mut total: Option<u64> = Some(0);
    let mut stdin_seen = false;
    for spec in &specs {
        match spec {
            InputSpec::Stdin => {
                if stdin_seen {
                    return Err(Error::Config("stdin (-) is named more than once".into()));
                }
                stdin_seen = true;
                total = None;
                sources.push(if format == InputFormat::Text { Source::StdinText } else { Source::StdinJsonl });
            }
            InputSpec::Path(path) => {
                let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
                if meta.is_dir() {
                    let mut files = Vec::new();
                    for entry in fs::read_dir(path).map_err(|e| Error::io(path, e))? {
                        let entry = entry.map_err(|e| Error::io(path, e))?;
                        let p = entry.path();
                        if is_txt_path(&p) && p.is_file() {
                            files.push(p);
                        }
                    }
                    if files.is_empty() {
                        return Err(Error::InvalidInput(format!(
                            "directory {} holds no .txt files",
                            path.display()
                        )));
                    }
                    files.sort();
                    for f in files {
                        let len = fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
                        total = total.map(|t| t + len);
                        sources.push(Source::Text(f));
                    }
                } else {
                    total = total.map(|t| t + meta.len());
                    let jsonl = match format {
                        InputFormat::Jsonl => true,
                        InputFormat::Text => false,
                        InputFormat::Auto => is_jsonl_path(path),
                    };
                    sources.push(if jsonl { Source::Jsonl(path.clone()) } else { Source::Text(path.clone()) });
                }
            }
        }
    }
    Ok(InputPlan { sources, total_bytes: total })
}

/// Reads one line (without its `\n`) into `buf`, keeping at most `limit` bytes. Returns
/// `None` at end of input, else `(fits, consumed)`: `fits` is false when the line was longer
/// than `limit` (it was skipped whole and `buf` is empty); `consumed` counts every byte read.
pub fn read_line_limited<R: BufRead + ?Sized>(
    r: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Option<(bool, u64)>> {
    buf.clear();
    let mut consumed = 0u64;
    let mut fits = true;
    let mut any = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(if any { Some((fits, consumed)) } else { None });
        }
        any = true;
        let (piece, used, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], i + 1, true),
            None => (chunk, chunk.len(), false),
        };
        if fits {
            if buf.len() + piece.len() <= limit {
                buf.extend_from_slice(piece);
            } else {
                fits = false;
                buf.clear();
                buf.shrink_to(0);
            }
        }
        r.consume(used);
        consumed += used as u64;
        if done {
            return Ok(Some((fits, consumed)));
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The id of a JSONL object: `Ok(None)` when missing, null or empty.
fn id_of(obj: &serde_json::Map<String, Value>) -> std::result::Result<Option<String>, String> {
    match obj.get("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(format!("\"id\" must be a string or a number, found {}", json_type(other))),
    }
}

/// Parses one JSONL input line (without its newline) into `(id, text or reason)`; `None`
/// for a blank line. `generated` is the id to use when the line has none.
pub fn parse_jsonl_line(
    raw: &[u8],
    generated: impl FnOnce() -> String,
) -> Option<(String, std::result::Result<String, String>)> {
    let raw = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let line = match std::str::from_utf8(raw) {
        Ok(s) => s,
        Err(e) => {
            // Recover the id if the rest of the line is sound, so the error record names it.
            let lossy = String::from_utf8_lossy(raw);
            let id = serde_json::from_str::<Value>(&lossy)
                .ok()
                .and_then(|v| v.as_object().and_then(|o| id_of(o).ok().flatten()));
            let reason = format!("invalid UTF-8 at byte {} of the line", e.valid_up_to());
            return Some((id.unwrap_or_else(generated), Err(reason)));
        }
    };
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return Some((generated(), Err(format!("malformed JSON: {e}")))),
    };
    let Value::Object(obj) = value else {
        let reason = format!("expected a JSON object with \"id\" and \"text\", found {}", json_type(&value));
        return Some((generated(), Err(reason)));
    };
    let id = match id_of(&obj) {
        Ok(Some(id)) => id,
        Ok(None) => generated(),
        Err(reason) => return Some((generated(), Err(reason))),
    };
    let text = match obj.get("text") {
        Some(Value::String(s)) => Ok(s.clone()),
        None => Err("missing \"text\" field".to_string()),
        Some(other) => Err(format!("\"text\" must be a string, found {}", json_type(other))),
    };
    Some((id, text))
}

enum Current {
    Jsonl {
        reader: BufReader<Box<dyn Read>>,
        name: String,
        prefix: Option<String>,
        line: usize,
        /// A pipe or terminal: reading may wait for the producer.
        interactive: bool,
    },
}

/// Streams [`InputRecord`]s from the inputs of an [`InputPlan`], one at a time. Read errors
/// become error records; the iterator never fails.
pub struct RecordReader {
    sources: VecDeque<Source>,
    current: Option<Current>,
    /// Generated ids carry the input's name when several inputs are read.
    prefix_ids: bool,
    limit: usize,
    buf: Vec<u8>,
}

impl RecordReader {
    pub fn new(plan: &InputPlan) -> Self {
        RecordReader {
            prefix_ids: plan.sources.len() > 1,
            sources: plan.sources.iter().cloned().collect(),
            current: None,
            limit: MAX_RECORD_BYTES,
            buf: Vec::new(),
        }
    }

    /// Reads JSONL from any reader; `interactive` (as for stdin) sets
    /// [`InputRecord::flush_hint`] whenever the reader's buffer runs dry.
    pub fn from_reader(reader: Box<dyn Read>, name: &str, interactive: bool) -> Self {
        let reader = BufReader::with_capacity(1 << 16, reader);
        RecordReader {
            sources: VecDeque::new(),
            current: Some(Current::Jsonl { reader, name: name.to_string(), prefix: None, line: 0, interactive }),
            prefix_ids: false,
            limit: MAX_RECORD_BYTES,
            buf: Vec::new(),
        }
    }

    /// Sets the longest record read (default [`MAX_RECORD_BYTES`]).
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    fn prefix_for(&self, path: &Path) -> Option<String> {
        self.prefix_ids.then(|| {
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
        })
    }

    fn read_text(&self, path: &Path) -> InputRecord {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let source = path.display().to_string();
        let (text, bytes) = read_text_file(path, self.limit);
        InputRecord { id, source, line: None, text, bytes, flush_hint: false }
    }

    fn read_stdin_text(&self) -> InputRecord {
        let mut data = Vec::new();
        let res = io::stdin().lock().take(self.limit as u64 + 1).read_to_end(&mut data);
        let bytes = data.len() as u64;
        let text = match res {
            Err(e) => Err(format!("read error: {e}")),
            Ok(_) if data.len() > self.limit => Err(format!("input is larger than {} bytes", self.limit)),
            Ok(_) => decode_text(data),
        };
        InputRecord { id: "stdin".into(), source: STDIN_NAME.into(), line: None, text, bytes, flush_hint: false }
    }
}

fn decode_text(mut data: Vec<u8>) -> std::result::Result<String, String> {
    if data.starts_with(b"\xEF\xBB\xBF") {
        data.drain(..3);
    }
    String::from_utf8(data).map_err(|e| format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()))
}

/// Reads a whole text file as one document: `(text or reason, bytes)`.
fn read_text_file(path: &Path, limit: usize) -> (std::result::Result<String, String>, u64) {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return (Err(format!("cannot open: {e}")), 0),
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > limit as u64 {
        return (Err(format!("file is larger than {limit} bytes ({size} bytes)")), size);
    }
    let mut data = Vec::with_capacity(size as usize);
    if let Err(e) = file.take(limit as u64 + 1).read_to_end(&mut data) {
        return (Err(format!("read error: {e}")), size);
    }
    if data.len() > limit {
        return (Err(format!("file is larger than {limit} bytes")), data.len() as u64);
    }
    let bytes = data.len() as u64;
    (decode_text(data), bytes)
}

/// True when stdin is redirected from a regular file (reads never wait for a producer).
fn stdin_is_regular_file() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(owned) = io::stdin().as_fd().try_clone_to_owned() {
            return File::from(owned).metadata().map(|m| m.is_file()).unwrap_or(false);
        }
    }
    false
}

impl Iterator for RecordReader {
    type Item = InputRecord;

    fn next(&mut self) -> Option<InputRecord> {
        loop {
            if let Some(Current::Jsonl { reader, name, prefix, line, interactive }) = &mut self.current {
                *line += 1;
                let n = *line;
                let gen = || match prefix.as_deref() {
                    Some(p) => format!("{p}:line-{n}"),
                    None => format!("line-{n}"),
                };
                let result = read_line_limited(reader, &mut self.buf, self.limit);
                let flush_hint = *interactive && reader.buffer().is_empty();
                match result {
                    Ok(None) => self.current = None,
                    Ok(Some((false, bytes))) => {
                        let reason = format!("line is longer than {} bytes", self.limit);
                        let (source, line, text) = (name.clone(), Some(n), Err(reason));
                        return Some(InputRecord { id: gen(), source, line, text, bytes, flush_hint });
                    }
                    Ok(Some((true, bytes))) => {
                        if let Some((id, text)) = parse_jsonl_line(&self.buf, gen) {
                            return Some(InputRecord { id, source: name.clone(), line: Some(n), text, bytes, flush_hint });
                        }
                    }
                    Err(e) => {
                        // The rest of this input cannot be read: report it once and move on.
                        let rec = InputRecord {
                            id: gen(),
                            source: name.clone(),
                            line: Some(n),
                            text: Err(format!("read error: {e}")),
                            bytes: 0,
                            flush_hint: true,
                        };
                        self.current = None;
                        return Some(rec);
                    }
                }
                continue;
            }
            match self.sources.pop_front()? {
                Source::Text(path) => return Some(self.read_text(&path)),
                Source::StdinText => return Some(self.read_stdin_text()),
                Source::StdinJsonl => {
                    let reader = BufReader::with_capacity(1 << 16, Box::new(io::stdin()) as Box<dyn Read>);
                    let (name, interactive) = (STDIN_NAME.to_string(), !stdin_is_regular_file());
                    self.current = Some(Current::Jsonl { reader, name, prefix: None, line: 0, interactive });
                }
                Source::Jsonl(path) => {
                    let name = path.display().to_string();
                    match File::open(&path) {
                        Ok(f) => {
                            let prefix = self.prefix_for(&path);
                            let reader = BufReader::with_capacity(1 << 16, Box::new(f) as Box<dyn Read>);
                            self.current = Some(Current::Jsonl { reader, name, prefix, line: 0, interactive: false });
                        }
                        Err(e) => {
                            let id = self.prefix_for(&path).unwrap_or_else(|| name.clone());
                            return Some(InputRecord {
                                id,
                                source: name,
                                line: None,
                                text: Err(format!("cannot open: {e}")),
                                bytes: 0,
                                flush_hint: false,
                            });
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Output

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
    pub fn new(out: W) -> Self {
        JsonlSink { out, line: Vec::new() }
    }
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
                format!("# newdoc id = {}\n# error = {}\n\n", one_line(&e.id), one_line(&e.error.reason))
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
    pub fn new(out: W) -> Self {
        JsonArraySink { out, count: 0 }
    }
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
        self.out.write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

// ---------------------------------------------------------------------------------------
// Resume

/// What an interrupted run already wrote; built by [`prepare_resume`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumeState {
    /// How many times each id occurs in the output.
    pub done: HashMap<String, usize>,
    /// Complete records in the output.
    pub records: usize,
    /// Bytes of a last line cut short by a kill, now removed.
    pub dropped_bytes: u64,
    /// The file ends in a complete record without its newline; write one before appending.
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

/// Reads an existing JSONL output file before a resumed run: collects the ids of its complete
/// records and truncates a last line left partial by a kill. A missing file is an empty
/// state. A broken line before the last one is an error (the file was not written by an
/// interrupted run, and appending to it could not give one record per input).
pub fn prepare_resume(path: &Path) -> Result<ResumeState> {
    let file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ResumeState::default()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut reader = BufReader::new(&file);
    let mut state = ResumeState::default();
    let mut buf = Vec::new();
    let mut offset = 0u64;
    let mut line_no = 0usize;
    let mut keep = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| Error::io(path, e))?;
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
        let id = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string));
        match id {
            Some(id) => {
                *state.done.entry(id).or_insert(0) += 1;
                state.records += 1;
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

/// Opens an output file for appending after [`prepare_resume`].
pub fn open_for_resume(path: &Path, state: &ResumeState) -> Result<File> {
    let mut f = OpenOptions::new().create(true).append(true).open(path).map_err(|e| Error::io(path, e))?;
    if state.needs_newline {
        f.write_all(b"\n").map_err(|e| Error::io(path, e))?;
    }
    Ok(f)
}

// ---------------------------------------------------------------------------------------
// Progress

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStyle {
    /// A bar redrawn in place (stderr is a terminal).
    Bar,
    /// A plain line every interval (stderr is a file or a pipe).
    Lines,
    /// Nothing (`--quiet`).
    Off,
}

/// Counts of a run so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records written (annotations and error records).
    pub written: usize,
    /// Of those, error records.
    pub failed: usize,
    /// Of those, annotations of empty texts.
    pub empty: usize,
    /// Records skipped because the output already had them (`--resume`).
    pub skipped: usize,
    /// Input bytes of the records written or skipped.
    pub bytes: u64,
    /// Of those, bytes of skipped records (they take no time, so the ETA leaves them out).
    pub skipped_bytes: u64,
}

impl Counts {
    pub fn done(&self) -> usize {
        self.written + self.skipped
    }
}

/// `h:mm:ss` or `m:ss`.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A documents/second figure with sensible precision.
pub fn format_rate(rate: f64) -> String {
    if !rate.is_finite() {
        "-".into()
    } else if rate >= 100.0 {
        format!("{rate:.0}")
    } else if rate >= 10.0 {
        format!("{rate:.1}")
    } else {
        format!("{rate:.2}")
    }
}

/// The progress line: documents, documents/s, and (when the input size is known) a bar,
/// percentage and ETA. `bar` chooses the terminal form.
pub fn format_progress(c: &Counts, total_bytes: Option<u64>, elapsed: Duration, bar: bool) -> String {
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 { c.written as f64 / secs } else { f64::NAN };
    let mut s = String::new();
    let fraction = total_bytes.filter(|&t| t > 0).map(|t| (c.bytes as f64 / t as f64).clamp(0.0, 1.0));
    if bar {
        if let Some(f) = fraction {
            let width = 24usize;
            let filled = ((f * width as f64).round() as usize).min(width);
            s.push('[');
            s.extend(std::iter::repeat('#').take(filled));
            s.extend(std::iter::repeat('-').take(width - filled));
            s.push_str("] ");
        }
    }
    if let Some(f) = fraction {
        s.push_str(&format!("{:3.0}% ", f * 100.0));
    }
    s.push_str(&format!("{} docs, {} docs/s", c.done(), format_rate(rate)));
    if let Some(f) = fraction {
        let total = total_bytes.unwrap_or(0) as f64;
        let worked = c.bytes.saturating_sub(c.skipped_bytes) as f64;
        if f < 1.0 && worked > 0.0 && secs > 0.0 {
            let eta = secs * total * (1.0 - f) / worked;
            s.push_str(&format!(", ETA {}", format_duration(Duration::from_secs_f64(eta.min(1e7)))));
        }
    }
    if c.failed > 0 {
        s.push_str(&format!(", {} failed", c.failed));
    }
    if c.skipped > 0 {
        s.push_str(&format!(", {} already done", c.skipped));
    }
    s.push_str(&format!(", {} elapsed", format_duration(elapsed)));
    s
}

/// Shows progress on stderr (or any writer): a bar redrawn in place on a terminal, a plain
/// line every `interval` otherwise, or nothing.
pub struct Progress {
    style: ProgressStyle,
    out: Box<dyn Write>,
    started: Instant,
    last: Option<Instant>,
    interval: Duration,
    total_bytes: Option<u64>,
    drawn: bool,
    notes: usize,
    max_notes: usize,
}

impl Progress {
    pub fn new(style: ProgressStyle, out: Box<dyn Write>, total_bytes: Option<u64>, interval: Duration) -> Self {
        Progress {
            style,
            out,
            started: Instant::now(),
            last: None,
            interval,
            total_bytes,
            drawn: false,
            notes: 0,
            max_notes: 20,
        }
    }

    /// On stderr: a bar if it is a terminal, lines every `interval` otherwise, nothing if `quiet`.
    pub fn stderr(quiet: bool, total_bytes: Option<u64>, interval: Duration) -> Self {
        let style = if quiet {
            ProgressStyle::Off
        } else if io::stderr().is_terminal() {
            ProgressStyle::Bar
        } else {
            ProgressStyle::Lines
        };
        let interval = if style == ProgressStyle::Bar { Duration::from_millis(100) } else { interval };
        Progress::new(style, Box::new(io::stderr()), total_bytes, interval)
    }

    /// No output at all.
    pub fn off() -> Self {
        Progress::new(ProgressStyle::Off, Box::new(io::sink()), None, Duration::MAX)
    }

    pub fn style(&self) -> ProgressStyle {
        self.style
    }

    fn clear(&mut self) {
        if self.drawn {
            let _ = write!(self.out, "\r\x1b[2K");
            self.drawn = false;
        }
    }

    /// Shows the counts if the interval has passed since the last update.
    pub fn update(&mut self, c: &Counts) {
        if self.style == ProgressStyle::Off {
            return;
        }
        let now = Instant::now();
        let due = match self.last {
            None => self.style == ProgressStyle::Bar || now.duration_since(self.started) >= self.interval,
            Some(t) => now.duration_since(t) >= self.interval,
        };
        if !due {
            return;
        }
        self.last = Some(now);
        let line = format_progress(c, self.total_bytes, now.duration_since(self.started), self.style == ProgressStyle::Bar);
        let _ = match self.style {
            ProgressStyle::Bar => {
                self.drawn = true;
                write!(self.out, "\r\x1b[2Kportavoz: {line}")
            }
            _ => writeln!(self.out, "portavoz: {line}"),
        };
        let _ = self.out.flush();
    }

    /// Prints a message on its own line (the first 20; then one line saying more were left out).
    pub fn note(&mut self, msg: &str) {
        if self.style == ProgressStyle::Off {
            return;
        }
        self.notes += 1;
        if self.notes > self.max_notes + 1 {
            return;
        }
        self.clear();
        let _ = if self.notes == self.max_notes + 1 {
            writeln!(self.out, "portavoz: further record errors are only in the output")
        } else {
            writeln!(self.out, "portavoz: {msg}")
        };
        let _ = self.out.flush();
    }

    /// Removes the bar and prints the final summary.
    pub fn finish(&mut self, summary: &str) {
        if self.style == ProgressStyle::Off {
            return;
        }
        self.clear();
        let _ = writeln!(self.out, "portavoz: {summary}");
        let _ = self.out.flush();
    }

    /// Time since the progress started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

// ---------------------------------------------------------------------------------------
// The annotation loop

/// How documents are grouped into calls of the annotator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Documents per call (at least 1).
    pub batch_size: usize,
    /// A batch is also closed once its texts reach this many bytes.
    pub max_batch_bytes: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { batch_size: 16, max_batch_bytes: 1 << 20 }
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunSummary {
    pub counts: Counts,
    pub elapsed: Duration,
}

impl RunSummary {
    /// 0 when every record was annotated, 1 when some failed.
    pub fn exit_code(&self) -> i32 {
        if self.counts.failed > 0 {
            1
        } else {
            0
        }
    }

    /// One line for the end of a run.
    pub fn line(&self) -> String {
        let c = &self.counts;
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { c.written as f64 / secs } else { f64::NAN };
        let mut s = format!(
            "{} records: {} annotated, {} failed",
            c.done(),
            c.written - c.failed,
            c.failed
        );
        if c.empty > 0 {
            s.push_str(&format!(" ({} empty texts among the annotated)", c.empty));
        }
        if c.skipped > 0 {
            s.push_str(&format!(", {} already in the output (resume)", c.skipped));
        }
        s.push_str(&format!(" in {:.1} s ({} docs/s)", secs, format_rate(rate)));
        s
    }
}

/// A fatal failure of a run: writing the output failed.
fn write_error(e: io::Error, output_name: &str) -> Error {
    Error::Io { path: PathBuf::from(output_name), source: e }
}

/// Calls the annotator, turning an error, a panic or a wrong count into a reason.
fn call_annotator<A>(annotate: &mut A, docs: &[Document]) -> std::result::Result<Vec<Annotation>, String>
where
    A: FnMut(&[Document]) -> Result<Vec<Annotation>>,
{
    match catch_unwind(AssertUnwindSafe(|| annotate(docs))) {
        Ok(Ok(v)) if v.len() == docs.len() => Ok(v),
        Ok(Ok(v)) => Err(format!("annotator returned {} annotations for {} documents", v.len(), docs.len())),
        Ok(Err(e)) => Err(format!("annotation failed: {e}")),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            Err(format!("internal error while annotating: {msg}"))
        }
    }
}

/// Annotates a batch; if the batch fails, each document alone, so that one bad document
/// costs only its own record.
fn annotate_isolated<A>(annotate: &mut A, docs: &[Document]) -> Vec<std::result::Result<Annotation, String>>
where
    A: FnMut(&[Document]) -> Result<Vec<Annotation>>,
{
    if docs.is_empty() {
        return Vec::new();
    }
    match call_annotator(annotate, docs) {
        Ok(v) => v.into_iter().map(Ok).collect(),
        Err(reason) if docs.len() == 1 => vec![Err(reason)],
        Err(_) => docs
            .iter()
            .map(|d| call_annotator(annotate, std::slice::from_ref(d)).map(|mut v| v.remove(0)))
            .collect(),
    }
}

enum Slot {
    /// Index into the batch's documents, the record's source and line, its input bytes.
    Doc(usize, String, Option<usize>, u64),
    /// Already decided (an error record or an empty annotation); input bytes; is an error.
    Ready(OutputRecord, u64, bool),
}

struct Batch {
    slots: Vec<Slot>,
    docs: Vec<Document>,
    bytes: usize,
}

/// Annotates a stream of input records and writes one output record per input record, in
/// input order, batch by batch: at most `opts.batch_size` documents (or
/// `opts.max_batch_bytes` of text) are held at a time. Records in `resume` are skipped.
/// Fails only when writing the output fails; every per-record problem becomes an error record.
pub fn annotate_stream<I, A>(
    records: I,
    mut annotate: A,
    sink: &mut dyn RecordSink,
    opts: &RunOptions,
    mut resume: Option<&mut ResumeState>,
    progress: &mut Progress,
    output_name: &str,
) -> Result<RunSummary>
where
    I: IntoIterator<Item = InputRecord>,
    A: FnMut(&[Document]) -> Result<Vec<Annotation>>,
{
    let batch_size = opts.batch_size.max(1);
    let mut counts = Counts::default();
    let mut batch = Batch { slots: Vec::new(), docs: Vec::new(), bytes: 0 };
    for rec in records {
        if let Some(state) = resume.as_deref_mut() {
            if state.take(&rec.id) {
                counts.skipped += 1;
                counts.bytes += rec.bytes;
                counts.skipped_bytes += rec.bytes;
                progress.update(&counts);
                continue;
            }
        }
        let flush_hint = rec.flush_hint;
        match &rec.text {
            Err(reason) => {
                let err = rec.error_record(reason.clone());
                batch.slots.push(Slot::Ready(OutputRecord::Error(err), rec.bytes, true));
            }
            Ok(text) if text.trim().is_empty() => {
                let ann = Annotation { id: rec.id.clone(), text: text.clone(), ..Default::default() };
                batch.slots.push(Slot::Ready(OutputRecord::Annotation(ann), rec.bytes, false));
                counts.empty += 1;
            }
            Ok(_) => {
                let InputRecord { id, source, line, text, bytes, .. } = rec;
                let text = text.unwrap_or_default();
                batch.bytes += text.len();
                batch.slots.push(Slot::Doc(batch.docs.len(), source, line, bytes));
                batch.docs.push(Document { id, text });
            }
        }
        if flush_hint
            || batch.docs.len() >= batch_size
            || batch.bytes >= opts.max_batch_bytes
            || batch.slots.len() >= 4 * batch_size
        {
            flush_batch(&mut batch, &mut annotate, sink, &mut counts, progress, output_name)?;
        }
    }
    flush_batch(&mut batch, &mut annotate, sink, &mut counts, progress, output_name)?;
    sink.finish().map_err(|e| write_error(e, output_name))?;
    Ok(RunSummary { counts, elapsed: progress.elapsed() })
}

fn flush_batch<A>(
    batch: &mut Batch,
    annotate: &mut A,
    sink: &mut dyn RecordSink,
    counts: &mut Counts,
    progress: &mut Progress,
    output_name: &str,
) -> Result<()>
where
    A: FnMut(&[Document]) -> Result<Vec<Annotation>>,
{
    let mut results: Vec<Option<std::result::Result<Annotation, String>>> =
        annotate_isolated(annotate, &batch.docs).into_iter().map(Some).collect();
    for slot in batch.slots.drain(..) {
        let (record, bytes, failed) = match slot {
            Slot::Ready(r, bytes, failed) => (r, bytes, failed),
            Slot::Doc(i, source, line, bytes) => {
                let doc = &batch.docs[i];
                match results[i].take() {
                    Some(Ok(mut ann)) => {
                        ann.id = doc.id.clone();
                        (OutputRecord::Annotation(ann), bytes, false)
                    }
                    Some(Err(reason)) => {
                        let err = ErrorRecord { id: doc.id.clone(), error: RecordError { source, line, reason } };
                        (OutputRecord::Error(err), bytes, true)
                    }
                    None => unreachable!("each document's result is taken once"),
                }
            }
        };
        if let OutputRecord::Error(e) = &record {
            let place = match e.error.line {
                Some(l) => format!("{}:{}", e.error.source, l),
                None => e.error.source.clone(),
            };
            progress.note(&format!("{place}: record {:?}: {}", e.id, e.error.reason));
        }
        sink.write_record(&record).map_err(|e| write_error(e, output_name))?;
        counts.written += 1;
        counts.failed += failed as usize;
        counts.bytes += bytes;
        progress.update(counts);
    }
    batch.docs.clear();
    batch.bytes = 0;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading annotations back (for `view`)

fn get_usize(v: &Value, key: &str) -> Option<usize> {
    v.get(key).and_then(|x| x.as_u64()).map(|x| x as usize)
}

fn get_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| x.as_str()).map(str::to_string)
}

/// Parses one line of an annotations file: an error record, or an annotation read leniently
/// (missing `byte_*` offsets are computed from the code point offsets, a missing `score`
/// is NaN, a missing `canonical` is the entity's text), so gold files in the DESIGN.md
/// format without those fields can be viewed too.
pub fn parse_output_line(line: &str) -> std::result::Result<OutputRecord, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("malformed JSON: {e}"))?;
    if !v.is_object() {
        return Err(format!("expected a JSON object, found {}", json_type(&v)));
    }
    let id = match v.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if let Some(err) = v.get("error") {
        let error = match err {
            Value::Object(_) => RecordError {
                source: get_str(err, "source").unwrap_or_default(),
                line: get_usize(err, "line"),
                reason: get_str(err, "reason").unwrap_or_else(|| err.to_string()),
            },
            Value::String(s) => RecordError { source: String::new(), line: None, reason: s.clone() },
            other => RecordError { source: String::new(), line: None, reason: other.to_string() },
        };
        return Ok(OutputRecord::Error(ErrorRecord { id, error }));
    }
    let text = match v.get("text") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("missing \"text\" field".into()),
    };
    let map = OffsetMap::new(&text);
    let n_chars = map.char_len();
    let mut entities = Vec::new();
    for (i, e) in v.get("entities").and_then(|x| x.as_array()).into_iter().flatten().enumerate() {
        let label_str = get_str(e, "label").unwrap_or_default();
        let label = Label::parse(&label_str).ok_or_else(|| format!("entity {i}: unknown label {label_str:?}"))?;
        let (start, end) = match (get_usize(e, "start"), get_usize(e, "end")) {
            (Some(s), Some(t)) if s <= t && t <= n_chars => (s, t),
            _ => return Err(format!("entity {i}: missing or out-of-range start/end")),
        };
        let (byte_start, byte_end) = match (get_usize(e, "byte_start"), get_usize(e, "byte_end")) {
            (Some(a), Some(b)) if a <= b && text.get(a..b).is_some() => (a, b),
            _ => (map.byte_of(start), map.byte_of(end)),
        };
        let etext = get_str(e, "text").unwrap_or_else(|| text[byte_start..byte_end].to_string());
        let canonical = get_str(e, "canonical").unwrap_or_else(|| etext.clone());
        let score = e.get("score").and_then(|s| s.as_f64()).map(|s| s as f32).unwrap_or(f32::NAN);
        entities.push(Entity { text: etext, label, start, end, byte_start, byte_end, score, canonical });
    }
    let mut claims = Vec::new();
    for (i, c) in v.get("claims").and_then(|x| x.as_array()).into_iter().flatten().enumerate() {
        let speaker = match c.get("speaker") {
            Some(Value::Array(a)) => a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        };
        let mode = match c.get("mode").cloned().map(serde_json::from_value::<Mode>) {
            Some(Ok(m)) => m,
            _ => return Err(format!("claim {i}: missing or unknown mode")),
        };
        let mut stances = Vec::new();
        for s in c.get("stances").and_then(|x| x.as_array()).into_iter().flatten() {
            let polarity = match s.get("polarity").cloned().map(serde_json::from_value::<Polarity>) {
                Some(Ok(p)) => p,
                _ => return Err(format!("claim {i}: stance with a missing or unknown polarity")),
            };
            stances.push(Stance { target: get_str(s, "target").unwrap_or_default(), polarity });
        }
        claims.push(Claim {
            speaker,
            cue: get_str(c, "cue"),
            cue_start: get_usize(c, "cue_start"),
            cue_end: get_usize(c, "cue_end"),
            content: get_str(c, "content").unwrap_or_default(),
            content_start: get_usize(c, "content_start").unwrap_or(0),
            content_end: get_usize(c, "content_end").unwrap_or(0),
            mode,
            stances,
        });
    }
    Ok(OutputRecord::Annotation(Annotation { id, text, entities, claims, ..Default::default() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A writer whose contents the test can read after handing it away.
    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.borrow().clone()).unwrap()
        }
    }

    fn fake(docs: &[Document]) -> Result<Vec<Annotation>> {
        Ok(docs
            .iter()
            .map(|d| {
                let mut a = Annotation { id: d.id.clone(), text: d.text.clone(), ..Default::default() };
                if let Some(b) = d.text.find("Lavrov") {
                    let map = OffsetMap::new(&d.text);
                    let s = map.span_from_bytes(b, b + 6);
                    a.entities.push(Entity {
                        text: "Lavrov".into(),
                        label: Label::Per,
                        start: s.start,
                        end: s.end,
                        byte_start: b,
                        byte_end: b + 6,
                        score: 0.9,
                        canonical: "Sergey Lavrov".into(),
                    });
                }
                a
            })
            .collect())
    }

    fn reader(input: &[u8]) -> RecordReader {
        RecordReader::from_reader(Box::new(io::Cursor::new(input.to_vec())), STDIN_NAME, false)
    }

    fn run_jsonl(input: &[u8], annotate: impl FnMut(&[Document]) -> Result<Vec<Annotation>>, batch: usize) -> (Vec<Value>, RunSummary) {
        let out = Shared::default();
        let mut sink = JsonlSink::new(out.clone());
        let opts = RunOptions { batch_size: batch, ..Default::default() };
        let summary =
            annotate_stream(reader(input), annotate, &mut sink, &opts, None, &mut Progress::off(), "<stdout>").unwrap();
        let lines = out.text().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (lines, summary)
    }

    #[test]
    fn jsonl_line_parsing() {
        let g = || "line-9".to_string();
        assert_eq!(parse_jsonl_line(b"  \r", g), None);
        assert_eq!(parse_jsonl_line(br#"{"id":"a","text":"hola"}"#, g), Some(("a".into(), Ok("hola".into()))));
        assert_eq!(parse_jsonl_line(br#"{"id":7,"text":"x"}"#, g), Some(("7".into(), Ok("x".into()))));
        assert_eq!(parse_jsonl_line(b"\xEF\xBB\xBF{\"text\":\"x\"}\r", g), Some(("line-9".into(), Ok("x".into()))));
        assert_eq!(parse_jsonl_line(br#"{"id":null,"text":""}"#, g), Some(("line-9".into(), Ok("".into()))));
        let (id, r) = parse_jsonl_line(br#"{"id":"a","text":"ho"#, g).unwrap();
        assert_eq!(id, "line-9");
        assert!(r.unwrap_err().starts_with("malformed JSON"));
        let (id, r) = parse_jsonl_line(b"{\"id\":\"b\",\"text\":\"caf\xE9\"}", g).unwrap();
        assert_eq!(id, "b", "the id is recovered from a line with invalid UTF-8");
        assert_eq!(r.unwrap_err(), "invalid UTF-8 at byte 21 of the line");
        let (_, r) = parse_jsonl_line(br#"{"id":"c"}"#, g).unwrap();
        assert_eq!(r.unwrap_err(), "missing \"text\" field");
        let (_, r) = parse_jsonl_line(br#"{"id":"c","text":3}"#, g).unwrap();
        assert_eq!(r.unwrap_err(), "\"text\" must be a string, found a number");
        let (id, r) = parse_jsonl_line(br#"{"id":[1],"text":"x"}"#, g).unwrap();
        assert_eq!(id, "line-9");
        assert!(r.unwrap_err().contains("\"id\" must be a string or a number"));
        let (_, r) = parse_jsonl_line(b"[1,2]", g).unwrap();
        assert!(r.unwrap_err().contains("found an array"));
        let deep = "[".repeat(100_000);
        assert!(parse_jsonl_line(deep.as_bytes(), g).unwrap().1.is_err(), "deep nesting is an error, not a crash");
    }

    #[test]
    fn long_lines_are_skipped_whole() {
        let input = format!("{{\"text\":\"{}\"}}\n{{\"id\":\"ok\",\"text\":\"b\"}}\n", "a".repeat(100));
        let recs: Vec<InputRecord> = reader(input.as_bytes()).with_limit(50).collect();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].id, "line-1");
        assert!(recs[0].text.as_ref().unwrap_err().contains("longer than 50 bytes"));
        assert_eq!(recs[1].id, "ok");
        assert_eq!(recs[1].line, Some(2));
        assert_eq!(recs[0].bytes + recs[1].bytes, input.len() as u64);
    }

    #[test]
    fn last_line_without_newline_is_read() {
        let recs: Vec<InputRecord> = reader(b"{\"id\":\"a\",\"text\":\"x\"}\n\n{\"id\":\"b\",\"text\":\"y\"}").collect();
        assert_eq!(recs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(recs[1].line, Some(3));
    }

    #[test]
    fn one_record_per_input_in_order() {
        let input = b"{\"id\":\"a\",\"text\":\"Lavrov dijo que s\xC3\xAD.\"}\n\
            not json\n\
            {\"id\":\"b\",\"text\":\"\"}\n\
            \n\
            {\"text\":\"sin id\"}\n\
            {\"id\":\"c\",\"text\":\"caf\xE9\"}\n\
            {\"id\":\"d\",\"text\":\"   \"}\n\
            {\"id\":\"e\",\"text\":\"\xC2\xBFLavrov?\"}\n";
        for batch in [1, 2, 3, 100] {
            let (out, summary) = run_jsonl(input, fake, batch);
            let ids: Vec<&str> = out.iter().map(|v| v["id"].as_str().unwrap()).collect();
            assert_eq!(ids, ["a", "line-2", "b", "line-5", "c", "d", "e"], "batch size {batch}");
            assert_eq!(out[0]["entities"][0]["canonical"], "Sergey Lavrov");
            assert_eq!(out[1]["error"]["line"], 2);
            assert_eq!(out[1]["error"]["source"], STDIN_NAME);
            assert!(out[1]["error"]["reason"].as_str().unwrap().starts_with("malformed JSON"));
            assert_eq!(out[2]["text"], "");
            assert_eq!(out[2]["entities"], serde_json::json!([]));
            assert_eq!(out[4]["error"]["line"], 6);
            assert!(out[4]["error"]["reason"].as_str().unwrap().contains("invalid UTF-8"));
            assert_eq!(out[6]["entities"][0]["start"], 1, "code point offsets");
            assert_eq!(summary.counts.written, 7);
            assert_eq!(summary.counts.failed, 2);
            assert_eq!(summary.counts.empty, 2);
            assert_eq!(summary.exit_code(), 1);
        }
    }

    #[test]
    fn a_failing_batch_is_retried_document_by_document() {
        let input = b"{\"id\":\"a\",\"text\":\"uno\"}\n{\"id\":\"boom\",\"text\":\"dos\"}\n{\"id\":\"c\",\"text\":\"tres\"}\n";
        let mut calls = 0;
        let annotate = |docs: &[Document]| {
            calls += 1;
            if docs.iter().any(|d| d.id == "boom") {
                Err(Error::InvalidInput("no puedo".into()))
            } else {
                fake(docs)
            }
        };
        let (out, summary) = run_jsonl(input, annotate, 8);
        assert_eq!(calls, 4, "one batch call, then one call per document");
        assert_eq!(out.len(), 3);
        assert_eq!(out[0]["id"], "a");
        assert_eq!(out[1]["id"], "boom");
        assert_eq!(out[1]["error"]["reason"], "annotation failed: invalid input: no puedo");
        assert_eq!(out[1]["error"]["line"], 2);
        assert_eq!(out[2]["text"], "tres");
        assert_eq!(summary.counts.failed, 1);
    }

    #[test]
    fn panics_and_wrong_counts_become_error_records() {
        let input = b"{\"id\":\"a\",\"text\":\"uno\"}\n{\"id\":\"p\",\"text\":\"dos\"}\n";
        let annotate = |docs: &[Document]| -> Result<Vec<Annotation>> {
            if docs.iter().any(|d| d.id == "p") {
                panic!("index out of bounds");
            }
            fake(docs)
        };
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let (out, _) = run_jsonl(input, annotate, 2);
        std::panic::set_hook(prev);
        assert_eq!(out[0]["id"], "a");
        assert!(out[0].get("error").is_none());
        assert_eq!(out[1]["error"]["reason"], "internal error while annotating: index out of bounds");

        let (out, summary) = run_jsonl(input, |_: &[Document]| Ok(Vec::new()), 2);
        assert_eq!(out.len(), 2);
        assert!(out[0]["error"]["reason"].as_str().unwrap().contains("returned 0 annotations for 1 documents"));
        assert_eq!(summary.counts.failed, 2);
    }

    /// Gives its chunks one `read` at a time, like a pipe fed by a slow producer.
    struct Chunked(VecDeque<Vec<u8>>);
    impl Read for Chunked {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let Some(mut chunk) = self.0.pop_front() else { return Ok(0) };
            let n = chunk.len().min(out.len());
            out[..n].copy_from_slice(&chunk[..n]);
            if n < chunk.len() {
                self.0.push_front(chunk.split_off(n));
            }
            Ok(n)
        }
    }

    #[test]
    fn slow_interactive_input_is_annotated_as_it_comes() {
        let chunks = [
            "{\"id\":\"a\",\"text\":\"uno\"}\n{\"id\":\"b\",\"text\":\"dos\"}\n",
            "{\"id\":\"c\",\"text\":\"tres\"}\n",
            "{\"id\":\"d\",\"text\":\"cua",
            "tro\"}\n",
        ];
        let make = |interactive| {
            let input = Chunked(chunks.iter().map(|c| c.as_bytes().to_vec()).collect());
            RecordReader::from_reader(Box::new(input), STDIN_NAME, interactive)
        };
        let hints: Vec<bool> = make(true).map(|r| r.flush_hint).collect();
        assert_eq!(hints, [false, true, true, true]);
        assert!(make(false).all(|r| !r.flush_hint));

        let mut batches = Vec::new();
        let annotate = |docs: &[Document]| {
            batches.push(docs.iter().map(|d| d.id.clone()).collect::<Vec<_>>().join(""));
            fake(docs)
        };
        let mut sink = JsonlSink::new(Vec::new());
        let opts = RunOptions { batch_size: 100, ..Default::default() };
        annotate_stream(make(true), annotate, &mut sink, &opts, None, &mut Progress::off(), "-").unwrap();
        assert_eq!(batches, ["ab", "c", "d"]);
        assert_eq!(sink.into_inner().iter().filter(|&&b| b == b'\n').count(), 4);
    }

    #[test]
    fn batches_are_bounded() {
        let mut input = Vec::new();
        for i in 0..50 {
            input.extend_from_slice(format!("{{\"id\":\"d{i}\",\"text\":\"{}\"}}\n", "x".repeat(1000)).as_bytes());
        }
        let mut largest = 0;
        let out = Shared::default();
        let mut sink = JsonlSink::new(out.clone());
        let opts = RunOptions { batch_size: 10, max_batch_bytes: 3000 };
        let annotate = |docs: &[Document]| {
            largest = largest.max(docs.len());
            fake(docs)
        };
        annotate_stream(reader(&input), annotate, &mut sink, &opts, None, &mut Progress::off(), "-").unwrap();
        assert_eq!(largest, 3, "closed at 3000 bytes of text");
        assert_eq!(out.text().lines().count(), 50);
    }

    #[test]
    fn resume_truncates_a_partial_last_line_and_skips_done_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let full = "{\"id\":\"a\",\"text\":\"x\",\"entities\":[],\"claims\":[]}\n\
                    {\"id\":\"line-2\",\"error\":{\"line\":2,\"reason\":\"malformed JSON\"}}\n";
        fs::write(&path, format!("{full}{{\"id\":\"c\",\"text\":\"y\",\"enti")).unwrap();
        let mut state = prepare_resume(&path).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), full);
        assert_eq!(state.records, 2);
        assert!(state.dropped_bytes > 0);
        assert!(!state.needs_newline);

        let input = b"{\"id\":\"a\",\"text\":\"x\"}\nnot json\n{\"id\":\"c\",\"text\":\"y\"}\n{\"id\":\"a\",\"text\":\"again\"}\n";
        let file = open_for_resume(&path, &state).unwrap();
        let mut sink = JsonlSink::new(file);
        let summary = annotate_stream(
            reader(input),
            fake,
            &mut sink,
            &RunOptions::default(),
            Some(&mut state),
            &mut Progress::off(),
            "out.jsonl",
        )
        .unwrap();
        drop(sink);
        assert_eq!(summary.counts.skipped, 2);
        assert_eq!(summary.counts.written, 2);
        let ids: Vec<String> = fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, ["a", "line-2", "c", "a"], "a duplicate id in the input is written once per occurrence");
    }

    #[test]
    fn resume_edge_cases() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.jsonl");
        assert_eq!(prepare_resume(&missing).unwrap(), ResumeState::default());

        // A complete last record without its newline is kept, and a newline is added.
        let path = dir.path().join("nonl.jsonl");
        fs::write(&path, "{\"id\":\"a\",\"text\":\"x\",\"entities\":[],\"claims\":[]}").unwrap();
        let state = prepare_resume(&path).unwrap();
        assert!(state.needs_newline);
        assert_eq!(state.records, 1);
        let mut f = open_for_resume(&path, &state).unwrap();
        f.write_all(b"{\"id\":\"b\"}\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 2);

        // A kill in the middle of a multi-byte character.
        let path = dir.path().join("cut.jsonl");
        fs::write(&path, b"{\"id\":\"a\"}\n{\"id\":\"b\",\"text\":\"Mosc\xC3").unwrap();
        let state = prepare_resume(&path).unwrap();
        assert_eq!(state.records, 1);
        assert_eq!(fs::read(&path).unwrap(), b"{\"id\":\"a\"}\n");

        // Garbage before the last line is refused.
        let path = dir.path().join("bad.jsonl");
        fs::write(&path, "{\"id\":\"a\"}\ngarbage\n{\"id\":\"b\"}\n").unwrap();
        let err = prepare_resume(&path).unwrap_err().to_string();
        assert!(err.contains("bad.jsonl:2"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 3, "nothing was truncated");
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
            let ann = Annotation { id: id.into(), ..Default::default() };
            sink.write_record(&OutputRecord::Annotation(ann)).unwrap();
        }
        sink.finish().unwrap();
        let v: Value = serde_json::from_str(&out.text()).unwrap();
        assert_eq!(v[1]["id"], "b");
        assert!(out.text().contains("\n  \"id\": \"a\""));
    }

    #[test]
    fn output_records_round_trip() {
        let err = OutputRecord::Error(ErrorRecord {
            id: "line-3".into(),
            error: RecordError { source: "c.jsonl".into(), line: Some(3), reason: "malformed JSON".into() },
        });
        let s = serde_json::to_string(&err).unwrap();
        assert_eq!(s, r#"{"id":"line-3","error":{"source":"c.jsonl","line":3,"reason":"malformed JSON"}}"#);
        assert_eq!(serde_json::from_str::<OutputRecord>(&s).unwrap(), err);
        assert_eq!(parse_output_line(&s).unwrap(), err);
        let txt = OutputRecord::Error(ErrorRecord {
            id: "doc".into(),
            error: RecordError { source: "doc.txt".into(), line: None, reason: "invalid UTF-8 at byte 3".into() },
        });
        assert!(!serde_json::to_string(&txt).unwrap().contains("line"));
        let (ann, _) = run_jsonl(b"{\"id\":\"a\",\"text\":\"Dijo Lavrov.\"}\n", fake, 1);
        let line = ann[0].to_string();
        match serde_json::from_str::<OutputRecord>(&line).unwrap() {
            OutputRecord::Annotation(a) => assert_eq!(a.entities[0].canonical, "Sergey Lavrov"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lenient_reading_of_gold_records() {
        let gold = r#"{"id":"g","source":"x.txt","text":"«Sí», dijo Lavrov.","entities":[{"start":11,"end":17,"label":"PER","text":"Lavrov"}],
            "claims":[{"speaker":["Lavrov"],"cue":"dijo","cue_start":6,"cue_end":10,"content":"Sí","content_start":1,"content_end":3,"mode":"direct","stances":[{"target":"X","polarity":"oppose"}]}]}"#;
        let OutputRecord::Annotation(a) = parse_output_line(gold).unwrap() else { panic!() };
        let e = &a.entities[0];
        assert_eq!(&a.text[e.byte_start..e.byte_end], "Lavrov");
        assert!(e.score.is_nan());
        assert_eq!(e.canonical, "Lavrov");
        assert_eq!(a.claims[0].stances[0].polarity, Polarity::Oppose);
        assert!(parse_output_line(r#"{"id":"g","text":"ab","entities":[{"start":1,"end":9,"label":"PER"}]}"#).is_err());
        assert!(parse_output_line(r#"{"id":"g","text":"ab","entities":[{"start":0,"end":1,"label":"XX"}]}"#).is_err());
        assert!(parse_output_line("nope").unwrap_err().starts_with("malformed JSON"));
    }

    #[test]
    fn plan_inputs_resolves_paths() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("b.txt"), "dos").unwrap();
        fs::write(dir.path().join("a.txt"), "uno").unwrap();
        fs::write(dir.path().join("notes.md"), "x").unwrap();
        let plan = plan_inputs(&[InputSpec::Path(dir.path().into())], InputFormat::Auto).unwrap();
        assert_eq!(plan.sources, [Source::Text(dir.path().join("a.txt")), Source::Text(dir.path().join("b.txt"))]);
        assert_eq!(plan.total_bytes, Some(6));
        let recs: Vec<InputRecord> = RecordReader::new(&plan).collect();
        assert_eq!(recs[0].id, "a");
        assert_eq!(recs[1].text, Ok("dos".into()));

        let empty = tempfile::tempdir().unwrap();
        assert!(plan_inputs(&[InputSpec::Path(empty.path().into())], InputFormat::Auto).is_err());
        assert!(plan_inputs(&[InputSpec::Path(dir.path().join("nope.jsonl"))], InputFormat::Auto).is_err());
        let plan = plan_inputs(&[], InputFormat::Auto).unwrap();
        assert_eq!(plan.sources, [Source::StdinJsonl]);
        assert_eq!(plan.total_bytes, None);
        assert!(plan_inputs(&[InputSpec::Stdin, InputSpec::Stdin], InputFormat::Auto).is_err());

        // Generated ids name the file when several inputs are read.
        let j = dir.path().join("c.jsonl");
        fs::write(&j, "{\"text\":\"hola\"}\n").unwrap();
        let plan = plan_inputs(&[InputSpec::Path(j.clone()), InputSpec::Path(dir.path().join("a.txt"))], InputFormat::Auto)
            .unwrap();
        let recs: Vec<InputRecord> = RecordReader::new(&plan).collect();
        assert_eq!(recs[0].id, "c.jsonl:line-1");
        let plan = plan_inputs(&[InputSpec::Path(j)], InputFormat::Auto).unwrap();
        assert_eq!(RecordReader::new(&plan).next().unwrap().id, "line-1");
    }

    #[test]
    fn text_files_with_bad_bytes_and_bom() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("bad.txt"), b"Mosc\xFA y Pek\xEDn").unwrap();
        fs::write(dir.path().join("bom.txt"), b"\xEF\xBB\xBFHola").unwrap();
        let plan = plan_inputs(&[InputSpec::Path(dir.path().into())], InputFormat::Auto).unwrap();
        let recs: Vec<InputRecord> = RecordReader::new(&plan).collect();
        assert_eq!(recs[0].id, "bad");
        assert_eq!(recs[0].text, Err("invalid UTF-8 at byte 4".into()));
        assert_eq!(recs[0].line, None);
        assert_eq!(recs[1].text, Ok("Hola".into()));
    }

    #[test]
    fn progress_lines() {
        let c = Counts { written: 50, failed: 2, empty: 0, skipped: 0, bytes: 250, skipped_bytes: 0 };
        let bar = format_progress(&c, Some(1000), Duration::from_secs(10), true);
        assert_eq!(bar, "[######------------------]  25% 50 docs, 5.00 docs/s, ETA 0:30, 2 failed, 0:10 elapsed");
        let plain = format_progress(&c, None, Duration::from_secs(4000), false);
        assert_eq!(plain, "50 docs, 0.01 docs/s, 2 failed, 1:06:40 elapsed");
        assert_eq!(format_rate(1234.5), "1234");
        // Skipped records (resume) count as done but not toward the rate of work.
        let resumed = Counts { written: 10, skipped: 40, bytes: 600, skipped_bytes: 500, ..Counts::default() };
        let line = format_progress(&resumed, Some(1000), Duration::from_secs(10), false);
        assert_eq!(line, " 60% 50 docs, 1.00 docs/s, ETA 0:40, 40 already done, 0:10 elapsed");

        let out = Shared::default();
        let mut p = Progress::new(ProgressStyle::Lines, Box::new(out.clone()), None, Duration::ZERO);
        p.update(&c);
        p.note("x.jsonl:3: malformed");
        p.finish("done");
        let text = out.text();
        assert!(text.starts_with("portavoz: 50 docs"), "{text}");
        assert!(text.contains("portavoz: x.jsonl:3: malformed\n"));
        assert!(text.ends_with("portavoz: done\n"));
        assert!(!text.contains('\r'));

        let out = Shared::default();
        let mut p = Progress::new(ProgressStyle::Bar, Box::new(out.clone()), Some(1000), Duration::ZERO);
        p.update(&c);
        p.finish("done");
        assert!(out.text().starts_with("\r\x1b[2Kportavoz: ["));
        assert!(out.text().ends_with("\r\x1b[2Kportavoz: done\n"));
    }

    #[test]
    fn summary_line() {
        let s = RunSummary {
            counts: Counts { written: 10, failed: 1, empty: 2, skipped: 3, bytes: 0, skipped_bytes: 0 },
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(
            s.line(),
            "13 records: 9 annotated, 1 failed (2 empty texts among the annotated), 3 already in the output (resume) in 2.0 s (5.00 docs/s)"
        );
    }
}
