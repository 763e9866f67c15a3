//! Reading inputs: JSONL files and stdin (one record per line), .txt files (one record
//! each), folders (one record per entry, see [`plan_inputs`]).
use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use super::records::InputRecord;
use super::{MAX_RECORD_BYTES, STDIN_NAME};
use crate::error::{Error, Result};

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
    /// Standard input (`-`).
    Stdin,
    /// A file or a folder.
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
    /// JSONL from stdin.
    StdinJsonl,
    /// Stdin as one document (id `stdin`).
    StdinText,
    /// A JSONL file.
    Jsonl(PathBuf),
    /// A text file, one document (id = file stem).
    Text(PathBuf),
    /// An entry of a folder that is named like a document but cannot be read as one (a
    /// dangling symlink, a symlink loop, a subfolder, a device): one error record.
    Unreadable { path: PathBuf, reason: String },
}

impl Source {
    /// The path, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::StdinJsonl | Source::StdinText => STDIN_NAME.to_string(),
            Source::Jsonl(p) | Source::Text(p) | Source::Unreadable { path: p, .. } => {
                p.display().to_string()
            }
        }
    }
}

/// The inputs of a run, resolved; built by [`plan_inputs`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InputPlan {
    /// What to read, in order: one or more records each.
    pub sources: Vec<Source>,
    /// Total input bytes when every input is a file (for an ETA).
    pub total_bytes: Option<u64>,
    /// Entries of folder inputs that are not documents (not named `*.txt`): read by nobody,
    /// listed so a caller can say so.
    pub skipped: Vec<PathBuf>,
}

fn is_jsonl_path(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("jsonl" | "ndjson" | "json")
    )
}

fn is_txt_path(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.eq_ignore_ascii_case("txt"))
        .unwrap_or(false)
}

/// Resolves inputs: checks that every path exists, lists folders. No inputs means stdin.
/// Fails (a usage error) on a missing path or a folder without `.txt` entries.
///
/// A folder is read one level deep. Every entry named `*.txt` (any case) is a document and
/// gets exactly one output record, in byte order of the entry names: an annotation when it is
/// (or links to) a regular file, an error record otherwise (a dangling symlink, a symlink
/// loop, a subfolder, a device or pipe; the reason says which). Entries with other names are
/// not documents: they are listed in [`InputPlan::skipped`].
pub fn plan_inputs(specs: &[InputSpec], format: InputFormat) -> Result<InputPlan> {
    let specs: Vec<InputSpec> = if specs.is_empty() {
        vec![InputSpec::Stdin]
    } else {
        specs.to_vec()
    };
    let mut plan = InputPlan {
        sources: Vec::new(),
        total_bytes: Some(0),
        skipped: Vec::new(),
    };
    let mut stdin_seen = false;
    for spec in &specs {
        match spec {
            InputSpec::Stdin => {
                if stdin_seen {
                    return Err(Error::Config("stdin (-) is named more than once".into()));
                }
                stdin_seen = true;
                plan.total_bytes = None;
                plan.sources.push(if format == InputFormat::Text {
                    Source::StdinText
                } else {
                    Source::StdinJsonl
                });
            }
            InputSpec::Path(path) => {
                let meta = fs::metadata(path).map_err(|e| Error::io(path, e))?;
                if meta.is_dir() {
                    plan_folder(path, &mut plan)?;
                } else {
                    plan.total_bytes = plan.total_bytes.map(|t| t + meta.len());
                    let jsonl = match format {
                        InputFormat::Jsonl => true,
                        InputFormat::Text => false,
                        InputFormat::Auto => is_jsonl_path(path),
                    };
                    plan.sources.push(if jsonl {
                        Source::Jsonl(path.clone())
                    } else {
                        Source::Text(path.clone())
                    });
                }
            }
        }
    }
    Ok(plan)
}

/// Adds the entries of `folder` to `plan` (see [`plan_inputs`]).
fn plan_folder(folder: &Path, plan: &mut InputPlan) -> Result<()> {
    let mut documents = Vec::new();
    let mut skipped = Vec::new();
    for entry in fs::read_dir(folder).map_err(|e| Error::io(folder, e))? {
        let entry = entry.map_err(|e| Error::io(folder, e))?;
        let path = entry.path();
        if is_txt_path(&path) {
            documents.push(path);
        } else {
            skipped.push(path);
        }
    }
    if documents.is_empty() {
        return Err(Error::InvalidInput(format!(
            "directory {} holds no .txt files",
            folder.display()
        )));
    }
    documents.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    skipped.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    for path in documents {
        match document_entry(&path) {
            Ok(len) => {
                plan.total_bytes = plan.total_bytes.map(|t| t + len);
                plan.sources.push(Source::Text(path));
            }
            Err(reason) => plan.sources.push(Source::Unreadable { path, reason }),
        }
    }
    plan.skipped.extend(skipped);
    Ok(())
}

/// The size of a folder entry that can be read as a document, or why it cannot.
fn document_entry(path: &Path) -> std::result::Result<u64, String> {
    let link = fs::symlink_metadata(path).map_err(|e| format!("cannot read the entry: {e}"))?;
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if link.file_type().is_symlink() => {
            let target = fs::read_link(path)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            return Err(if e.kind() == io::ErrorKind::NotFound {
                format!("dangling symlink: its target {target} does not exist")
            } else if e.raw_os_error() == Some(LOOP_ERRNO) {
                format!("symlink loop: {target} leads back to itself")
            } else {
                format!("cannot follow the symlink to {target}: {e}")
            });
        }
        Err(e) => return Err(format!("cannot read the entry: {e}")),
    };
    if meta.is_dir() {
        Err("a folder, not a text file (folders are read one level deep)".into())
    } else if !meta.is_file() {
        Err("not a regular file (a device, pipe or socket)".into())
    } else {
        Ok(meta.len())
    }
}

/// `ELOOP`: too many levels of symbolic links (the same number on Linux and macOS is not
/// guaranteed, hence per platform).
#[cfg(target_os = "linux")]
const LOOP_ERRNO: i32 = 40;
#[cfg(not(target_os = "linux"))]
const LOOP_ERRNO: i32 = 62;

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

/// A JSON value reduced to what the reader needs: a string, a number's text, or the name
/// of its type. At the top of a line, an object keeps its `id` and `text` members and skips
/// every other member unread (so `"n": 1e400` elsewhere in the record does not matter).
enum Member {
    Text(String),
    Number(String),
    Object {
        id: Option<Box<Member>>,
        text: Option<Box<Member>>,
    },
    Other(&'static str),
}

impl Member {
    fn type_name(&self) -> &'static str {
        match self {
            Member::Text(_) => "a string",
            Member::Number(_) => "a number",
            Member::Object { .. } => "an object",
            Member::Other(name) => name,
        }
    }
}

/// Reads a [`Member`]; `top` collects an object's `id` and `text`, a nested object is skipped.
struct MemberVisitor {
    top: bool,
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(MemberVisitor { top: false })
    }
}

impl<'de> Visitor<'de> for MemberVisitor {
    type Value = Member;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Member, E> {
        Ok(Member::Text(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Member, E> {
        Ok(Member::Text(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Member, E> {
        Ok(Member::Number(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Member, E> {
        Ok(Member::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Member, E> {
        Ok(Member::Number(
            serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()),
        ))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<Member, E> {
        Ok(Member::Other("a boolean"))
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<Member, E> {
        Ok(Member::Other("null"))
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<Member, E> {
        Ok(Member::Other("null"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Member, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Member::Other("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Member, A::Error> {
        let (mut id, mut text) = (None, None);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "id" if self.top => id = Some(Box::new(map.next_value::<Member>()?)),
                "text" if self.top => text = Some(Box::new(map.next_value::<Member>()?)),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(if self.top {
            Member::Object { id, text }
        } else {
            Member::Other("an object")
        })
    }
}

/// Reads one JSONL line into its top-level [`Member`].
fn read_line_member(line: &str) -> std::result::Result<Member, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(line);
    let member = deserializer.deserialize_any(MemberVisitor { top: true })?;
    deserializer.end()?;
    Ok(member)
}

/// The id of a record: `Ok(None)` when missing, null or empty.
fn id_of(id: Option<&Member>) -> std::result::Result<Option<String>, String> {
    match id {
        None | Some(Member::Other("null")) => Ok(None),
        Some(Member::Text(s)) if s.is_empty() => Ok(None),
        Some(Member::Text(s) | Member::Number(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "\"id\" must be a string or a number, found {}",
            other.type_name()
        )),
    }
}

/// Parses one JSONL input line (without its newline) into `(id, text or reason)`; `None`
/// for a blank line. `generated` is the id to use when the line has none. Only `id` and
/// `text` are read; other members are skipped without being interpreted.
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
            let id = match read_line_member(&lossy) {
                Ok(Member::Object { id, .. }) => id_of(id.as_deref()).ok().flatten(),
                _ => None,
            };
            let reason = format!("invalid UTF-8 at byte {} of the line", e.valid_up_to());
            return Some((id.unwrap_or_else(generated), Err(reason)));
        }
    };
    let (id, text) = match read_line_member(line) {
        Ok(Member::Object { id, text }) => (id, text),
        Ok(other) => {
            let reason = format!(
                "expected a JSON object with \"id\" and \"text\", found {}",
                other.type_name()
            );
            return Some((generated(), Err(reason)));
        }
        Err(e) => return Some((generated(), Err(format!("malformed JSON: {e}")))),
    };
    let id = match id_of(id.as_deref()) {
        Ok(Some(id)) => id,
        Ok(None) => generated(),
        Err(reason) => return Some((generated(), Err(reason))),
    };
    let text = match text.map(|t| *t) {
        Some(Member::Text(s)) => Ok(s),
        None => Err("missing \"text\" field".to_string()),
        Some(other) => Err(format!(
            "\"text\" must be a string, found {}",
            other.type_name()
        )),
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
    /// Reads the inputs of `plan`, in order.
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
            current: Some(Current::Jsonl {
                reader,
                name: name.to_string(),
                prefix: None,
                line: 0,
                interactive,
            }),
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
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string())
        })
    }

    fn read_text(&self, path: &Path) -> InputRecord {
        let id = stem_id(path);
        let source = path.display().to_string();
        let (text, bytes) = read_text_file(path, self.limit);
        InputRecord {
            id,
            source,
            line: None,
            text,
            bytes,
            flush_hint: false,
        }
    }

    fn read_stdin_text(&self) -> InputRecord {
        let mut data = Vec::new();
        let res = io::stdin()
            .lock()
            .take(self.limit as u64 + 1)
            .read_to_end(&mut data);
        let bytes = data.len() as u64;
        let text = match res {
            Err(e) => Err(format!("read error: {e}")),
            Ok(_) if data.len() > self.limit => {
                Err(format!("input is larger than {} bytes", self.limit))
            }
            Ok(_) => decode_text(data),
        };
        InputRecord {
            id: "stdin".into(),
            source: STDIN_NAME.into(),
            line: None,
            text,
            bytes,
            flush_hint: false,
        }
    }
}

/// The id of a whole-file document: its file stem.
fn stem_id(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn decode_text(mut data: Vec<u8>) -> std::result::Result<String, String> {
    if data.starts_with(b"\xEF\xBB\xBF") {
        data.drain(..3);
    }
    String::from_utf8(data)
        .map_err(|e| format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()))
}

/// Reads a whole text file as one document: `(text or reason, bytes)`.
fn read_text_file(path: &Path, limit: usize) -> (std::result::Result<String, String>, u64) {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return (Err(format!("cannot open: {e}")), 0),
    };
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > limit as u64 {
        return (
            Err(format!("file is larger than {limit} bytes ({size} bytes)")),
            size,
        );
    }
    let mut data = Vec::with_capacity(size as usize);
    if let Err(e) = file.take(limit as u64 + 1).read_to_end(&mut data) {
        return (Err(format!("read error: {e}")), size);
    }
    if data.len() > limit {
        return (
            Err(format!("file is larger than {limit} bytes")),
            data.len() as u64,
        );
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
            return File::from(owned)
                .metadata()
                .map(|m| m.is_file())
                .unwrap_or(false);
        }
    }
    false
}

impl Iterator for RecordReader {
    type Item = InputRecord;

    fn next(&mut self) -> Option<InputRecord> {
        loop {
            if let Some(Current::Jsonl {
                reader,
                name,
                prefix,
                line,
                interactive,
            }) = &mut self.current
            {
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
                        return Some(InputRecord {
                            id: gen(),
                            source,
                            line,
                            text,
                            bytes,
                            flush_hint,
                        });
                    }
                    Ok(Some((true, bytes))) => {
                        if let Some((id, text)) = parse_jsonl_line(&self.buf, gen) {
                            return Some(InputRecord {
                                id,
                                source: name.clone(),
                                line: Some(n),
                                text,
                                bytes,
                                flush_hint,
                            });
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
                Source::Unreadable { path, reason } => {
                    let (id, source) = (stem_id(&path), path.display().to_string());
                    return Some(InputRecord {
                        id,
                        source,
                        line: None,
                        text: Err(reason),
                        bytes: 0,
                        flush_hint: false,
                    });
                }
                Source::StdinText => return Some(self.read_stdin_text()),
                Source::StdinJsonl => {
                    let reader =
                        BufReader::with_capacity(1 << 16, Box::new(io::stdin()) as Box<dyn Read>);
                    let (name, interactive) = (STDIN_NAME.to_string(), !stdin_is_regular_file());
                    self.current = Some(Current::Jsonl {
                        reader,
                        name,
                        prefix: None,
                        line: 0,
                        interactive,
                    });
                }
                Source::Jsonl(path) => {
                    let name = path.display().to_string();
                    match File::open(&path) {
                        Ok(f) => {
                            let prefix = self.prefix_for(&path);
                            let reader =
                                BufReader::with_capacity(1 << 16, Box::new(f) as Box<dyn Read>);
                            self.current = Some(Current::Jsonl {
                                reader,
                                name,
                                prefix,
                                line: 0,
                                interactive: false,
                            });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::reader;
    use std::fs;

    #[test]
    fn jsonl_line_parsing() {
        let g = || "line-9".to_string();
        assert_eq!(parse_jsonl_line(b"  \r", g), None);
        assert_eq!(
            parse_jsonl_line(br#"{"id":"a","text":"hola"}"#, g),
            Some(("a".into(), Ok("hola".into())))
        );
        assert_eq!(
            parse_jsonl_line(br#"{"id":7,"text":"x"}"#, g),
            Some(("7".into(), Ok("x".into())))
        );
        assert_eq!(
            parse_jsonl_line(b"\xEF\xBB\xBF{\"text\":\"x\"}\r", g),
            Some(("line-9".into(), Ok("x".into())))
        );
        assert_eq!(
            parse_jsonl_line(br#"{"id":null,"text":""}"#, g),
            Some(("line-9".into(), Ok("".into())))
        );
        let (id, r) = parse_jsonl_line(br#"{"id":"a","text":"ho"#, g).unwrap();
        assert_eq!(id, "line-9");
        assert!(r.unwrap_err().starts_with("malformed JSON"));
        let (id, r) = parse_jsonl_line(b"{\"id\":\"b\",\"text\":\"caf\xE9\"}", g).unwrap();
        assert_eq!(
            id, "b",
            "the id is recovered from a line with invalid UTF-8"
        );
        assert_eq!(r.unwrap_err(), "invalid UTF-8 at byte 21 of the line");
        let (_, r) = parse_jsonl_line(br#"{"id":"c"}"#, g).unwrap();
        assert_eq!(r.unwrap_err(), "missing \"text\" field");
        let (_, r) = parse_jsonl_line(br#"{"id":"c","text":3}"#, g).unwrap();
        assert_eq!(r.unwrap_err(), "\"text\" must be a string, found a number");
        let (id, r) = parse_jsonl_line(br#"{"id":[1],"text":"x"}"#, g).unwrap();
        assert_eq!(id, "line-9");
        assert!(r
            .unwrap_err()
            .contains("\"id\" must be a string or a number"));
        let (_, r) = parse_jsonl_line(b"[1,2]", g).unwrap();
        assert!(r.unwrap_err().contains("found an array"));
        let deep = "[".repeat(100_000);
        assert!(
            parse_jsonl_line(deep.as_bytes(), g).unwrap().1.is_err(),
            "deep nesting is an error, not a crash"
        );
    }

    #[test]
    fn long_lines_are_skipped_whole() {
        let input = format!(
            "{{\"text\":\"{}\"}}\n{{\"id\":\"ok\",\"text\":\"b\"}}\n",
            "a".repeat(100)
        );
        let recs: Vec<InputRecord> = reader(input.as_bytes()).with_limit(50).collect();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].id, "line-1");
        assert!(recs[0]
            .text
            .as_ref()
            .unwrap_err()
            .contains("longer than 50 bytes"));
        assert_eq!(recs[1].id, "ok");
        assert_eq!(recs[1].line, Some(2));
        assert_eq!(recs[0].bytes + recs[1].bytes, input.len() as u64);
    }

    #[test]
    fn last_line_without_newline_is_read() {
        let recs: Vec<InputRecord> =
            reader(b"{\"id\":\"a\",\"text\":\"x\"}\n\n{\"id\":\"b\",\"text\":\"y\"}").collect();
        assert_eq!(
            recs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(recs[1].line, Some(3));
    }

    #[test]
    fn plan_inputs_resolves_paths() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("b.txt"), "dos").unwrap();
        fs::write(dir.path().join("a.txt"), "uno").unwrap();
        fs::write(dir.path().join("notes.md"), "x").unwrap();
        let plan = plan_inputs(&[InputSpec::Path(dir.path().into())], InputFormat::Auto).unwrap();
        assert_eq!(
            plan.sources,
            [
                Source::Text(dir.path().join("a.txt")),
                Source::Text(dir.path().join("b.txt"))
            ]
        );
        assert_eq!(plan.total_bytes, Some(6));
        let recs: Vec<InputRecord> = RecordReader::new(&plan).collect();
        assert_eq!(recs[0].id, "a");
        assert_eq!(recs[1].text, Ok("dos".into()));

        let empty = tempfile::tempdir().unwrap();
        assert!(plan_inputs(&[InputSpec::Path(empty.path().into())], InputFormat::Auto).is_err());
        assert!(plan_inputs(
            &[InputSpec::Path(dir.path().join("nope.jsonl"))],
            InputFormat::Auto
        )
        .is_err());
        let plan = plan_inputs(&[], InputFormat::Auto).unwrap();
        assert_eq!(plan.sources, [Source::StdinJsonl]);
        assert_eq!(plan.total_bytes, None);
        assert!(plan_inputs(&[InputSpec::Stdin, InputSpec::Stdin], InputFormat::Auto).is_err());

        // Generated ids name the file when several inputs are read.
        let j = dir.path().join("c.jsonl");
        fs::write(&j, "{\"text\":\"hola\"}\n").unwrap();
        let plan = plan_inputs(
            &[
                InputSpec::Path(j.clone()),
                InputSpec::Path(dir.path().join("a.txt")),
            ],
            InputFormat::Auto,
        )
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
}
