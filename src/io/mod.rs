//! Reading documents (JSONL, .txt files, folders, stdin) and writing annotations, one record
//! at a time. One module per job:
//!
//! - [`input`]: inputs resolved ([`plan_inputs`]) and read ([`RecordReader`]);
//! - [`records`]: the records read and written, and reading output lines back;
//! - [`output`]: the record sinks, and the output file with its lock and `--resume`;
//! - [`run`]: the loop between them ([`annotate_stream`]).
//!
//! # Input
//! - a JSONL file (`.jsonl`, `.ndjson`, `.json`) or stdin: one object per line with `text`
//!   and an optional `id` (a string or a number; missing, `null` or `""` gives `line-N`, or
//!   `NAME:line-N` when several inputs are read, `NAME` being the file's name). Blank lines
//!   are not records and are skipped. Other members are skipped unread.
//! - a `.txt` file (any other extension too): one document, its id the file stem.
//! - a folder: every entry named `*.txt`, in byte order of the names, gets one record (an
//!   error record when it is not a readable file: a dangling symlink, a symlink loop, a
//!   subfolder); other entries are listed as skipped (see [`plan_inputs`]). Not recursive.
//!
//! # Output
//! Exactly one record per input record, in input order: an [`Annotation`](crate::Annotation)
//! (DESIGN.md) or, when a record could not be read or annotated, an error record
//!
//! ```json
//! {"id": "line-3", "error": {"source": "corpus.jsonl", "line": 3, "reason": "malformed JSON: ..."}}
//! ```
//!
//! `source` is the input path (`<stdin>` for stdin), `line` the 1-based line number in a
//! JSONL input (`null` for a whole-file document), `reason` a human-readable message. An
//! empty (or whitespace-only) text is not an error: it gets an annotation with no entities
//! and no claims.
//!
//! # One writer, and resume
//! [`OutputFile`] locks the output file so that a second run writing the same file fails at
//! once; [`OutputFile::resume`] reads what an interrupted run wrote, drops a last line cut
//! short by a kill, and returns the ids already written; [`annotate_stream`] skips those
//! records, so a rerun appends exactly the records that are missing.
pub mod input;
pub mod output;
pub mod records;
pub mod run;

#[cfg(test)]
mod test_support;

pub use input::{
    parse_jsonl_line, plan_inputs, read_line_limited, InputFormat, InputPlan, InputSpec,
    RecordReader, Source,
};
pub use output::{ConlluSink, JsonArraySink, JsonlSink, OutputFile, RecordSink, ResumeState};
pub use records::{parse_output_line, ErrorRecord, InputRecord, OutputRecord, RecordError};
pub use run::{annotate_stream, format_rate, Counts, RunObserver, RunOptions, RunSummary};

/// The longest JSONL line or .txt file read as one record (64 MiB); a longer one gives an
/// error record instead of exhausting memory.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// The name error records and messages use for standard input.
pub const STDIN_NAME: &str = "<stdin>";
