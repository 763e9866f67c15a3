//! The run loop: input records in, one output record each, in input order, batch by batch.
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::output::{RecordSink, ResumeState};
use super::records::{ErrorRecord, InputRecord, OutputRecord, RecordError};
use crate::annotation::Annotation;
use crate::error::{Error, Result};
use crate::pipeline::Document;

/// What a run reports as it goes (progress display, logging); every method does nothing by
/// default, and `()` observes nothing.
pub trait RunObserver {
    /// The counts after each record.
    fn update(&mut self, _counts: &Counts) {}
    /// A record became an error record: where and why, on one line.
    fn note(&mut self, _message: &str) {}
}

impl RunObserver for () {}

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
    /// Error records an earlier run left in a resumed output (they make the run fail too).
    pub earlier_failed: usize,
}

impl Counts {
    /// Records accounted for: written now or already in the output.
    pub fn done(&self) -> usize {
        self.written + self.skipped
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
        RunOptions {
            batch_size: 16,
            max_batch_bytes: 1 << 20,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunSummary {
    /// What was read, written, skipped and failed.
    pub counts: Counts,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl RunSummary {
    /// 0 when every record was annotated, 1 when some failed (in this run, or in the earlier
    /// run a resumed output continues: its error records are in the output too).
    pub fn exit_code(&self) -> i32 {
        if self.counts.failed + self.counts.earlier_failed > 0 {
            1
        } else {
            0
        }
    }

    /// One line for the end of a run.
    pub fn line(&self) -> String {
        let c = &self.counts;
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            c.written as f64 / secs
        } else {
            f64::NAN
        };
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
        if c.earlier_failed > 0 {
            s.push_str(&format!(
                ", {} error records from the earlier run",
                c.earlier_failed
            ));
        }
        s.push_str(&format!(" in {:.1} s ({} docs/s)", secs, format_rate(rate)));
        s
    }
}

/// A fatal failure of a run: writing the output failed.
fn write_error(e: std::io::Error, output_name: &str) -> Error {
    Error::Io {
        path: PathBuf::from(output_name),
        source: e,
    }
}

/// Calls the annotator, turning an error, a panic or a wrong count into a reason.
fn call_annotator<A>(
    annotate: &mut A,
    docs: &[Document],
) -> std::result::Result<Vec<Annotation>, String>
where
    A: FnMut(&[Document]) -> Result<Vec<Annotation>>,
{
    match catch_unwind(AssertUnwindSafe(|| annotate(docs))) {
        Ok(Ok(v)) if v.len() == docs.len() => Ok(v),
        Ok(Ok(v)) => Err(format!(
            "annotator returned {} annotations for {} documents",
            v.len(),
            docs.len()
        )),
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
fn annotate_isolated<A>(
    annotate: &mut A,
    docs: &[Document],
) -> Vec<std::result::Result<Annotation, String>>
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
    observer: &mut dyn RunObserver,
    output_name: &str,
) -> Result<RunSummary>
where
    I: IntoIterator<Item = InputRecord>,
    A: FnMut(&[Document]) -> Result<Vec<Annotation>>,
{
    let started = Instant::now();
    let batch_size = opts.batch_size.max(1);
    let mut counts = Counts::default();
    counts.earlier_failed = resume.as_deref().map_or(0, |state| state.failed);
    let mut batch = Batch {
        slots: Vec::new(),
        docs: Vec::new(),
        bytes: 0,
    };
    for rec in records {
        if let Some(state) = resume.as_deref_mut() {
            if state.take(&rec.id) {
                counts.skipped += 1;
                counts.bytes += rec.bytes;
                counts.skipped_bytes += rec.bytes;
                observer.update(&counts);
                continue;
            }
        }
        let flush_hint = rec.flush_hint;
        match &rec.text {
            Err(reason) => {
                let err = rec.error_record(reason.clone());
                batch
                    .slots
                    .push(Slot::Ready(OutputRecord::Error(err), rec.bytes, true));
            }
            Ok(text) if text.trim().is_empty() => {
                let ann = Annotation {
                    id: rec.id.clone(),
                    text: text.clone(),
                    ..Default::default()
                };
                batch
                    .slots
                    .push(Slot::Ready(OutputRecord::Annotation(ann), rec.bytes, false));
                counts.empty += 1;
            }
            Ok(_) => {
                let InputRecord {
                    id,
                    source,
                    line,
                    text,
                    bytes,
                    ..
                } = rec;
                let text = text.unwrap_or_default();
                batch.bytes += text.len();
                batch
                    .slots
                    .push(Slot::Doc(batch.docs.len(), source, line, bytes));
                batch.docs.push(Document { id, text });
            }
        }
        if flush_hint
            || batch.docs.len() >= batch_size
            || batch.bytes >= opts.max_batch_bytes
            || batch.slots.len() >= 4 * batch_size
        {
            flush_batch(
                &mut batch,
                &mut annotate,
                sink,
                &mut counts,
                observer,
                output_name,
            )?;
        }
    }
    flush_batch(
        &mut batch,
        &mut annotate,
        sink,
        &mut counts,
        observer,
        output_name,
    )?;
    sink.finish().map_err(|e| write_error(e, output_name))?;
    Ok(RunSummary {
        counts,
        elapsed: started.elapsed(),
    })
}

fn flush_batch<A>(
    batch: &mut Batch,
    annotate: &mut A,
    sink: &mut dyn RecordSink,
    counts: &mut Counts,
    observer: &mut dyn RunObserver,
    output_name: &str,
) -> Result<()>
where
    A: FnMut(&[Document]) -> Result<Vec<Annotation>>,
{
    let mut results: Vec<Option<std::result::Result<Annotation, String>>> =
        annotate_isolated(annotate, &batch.docs)
            .into_iter()
            .map(Some)
            .collect();
    for slot in batch.slots.drain(..) {
        let (record, bytes, failed) = match slot {
            Slot::Ready(r, bytes, failed) => (r, bytes, failed),
            Slot::Doc(i, source, line, bytes) => {
                let doc = &batch.docs[i];
                match results.get_mut(i).and_then(Option::take) {
                    Some(Ok(mut ann)) => {
                        ann.id = doc.id.clone();
                        (OutputRecord::Annotation(ann), bytes, false)
                    }
                    Some(Err(reason)) => {
                        let err = ErrorRecord {
                            id: doc.id.clone(),
                            error: RecordError {
                                source,
                                line,
                                reason,
                            },
                        };
                        (OutputRecord::Error(err), bytes, true)
                    }
                    None => {
                        let reason = "internal error: no annotation for this document".to_string();
                        let err = ErrorRecord {
                            id: doc.id.clone(),
                            error: RecordError {
                                source,
                                line,
                                reason,
                            },
                        };
                        (OutputRecord::Error(err), bytes, true)
                    }
                }
            }
        };
        if let OutputRecord::Error(e) = &record {
            let place = match e.error.line {
                Some(l) => format!("{}:{}", e.error.source, l),
                None => e.error.source.clone(),
            };
            observer.note(&format!("{place}: record {:?}: {}", e.id, e.error.reason));
        }
        sink.write_record(&record)
            .map_err(|e| write_error(e, output_name))?;
        counts.written += 1;
        counts.failed += failed as usize;
        counts.bytes += bytes;
        observer.update(counts);
    }
    batch.docs.clear();
    batch.bytes = 0;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_support::{fake, reader, run_jsonl, Chunked, Shared};
    use crate::io::{JsonlSink, OutputFile, RecordReader, STDIN_NAME};
    use serde_json::Value;
    use std::fs;

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
            assert_eq!(
                ids,
                ["a", "line-2", "b", "line-5", "c", "d", "e"],
                "batch size {batch}"
            );
            assert_eq!(out[0]["entities"][0]["canonical"], "Sergey Lavrov");
            assert_eq!(out[1]["error"]["line"], 2);
            assert_eq!(out[1]["error"]["source"], STDIN_NAME);
            assert!(out[1]["error"]["reason"]
                .as_str()
                .unwrap()
                .starts_with("malformed JSON"));
            assert_eq!(out[2]["text"], "");
            assert_eq!(out[2]["entities"], serde_json::json!([]));
            assert_eq!(out[4]["error"]["line"], 6);
            assert!(out[4]["error"]["reason"]
                .as_str()
                .unwrap()
                .contains("invalid UTF-8"));
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
        assert_eq!(
            out[1]["error"]["reason"],
            "annotation failed: invalid input: no puedo"
        );
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
        assert_eq!(
            out[1]["error"]["reason"],
            "internal error while annotating: index out of bounds"
        );

        let (out, summary) = run_jsonl(input, |_: &[Document]| Ok(Vec::new()), 2);
        assert_eq!(out.len(), 2);
        assert!(out[0]["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("returned 0 annotations for 1 documents"));
        assert_eq!(summary.counts.failed, 2);
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
            batches.push(
                docs.iter()
                    .map(|d| d.id.clone())
                    .collect::<Vec<_>>()
                    .join(""),
            );
            fake(docs)
        };
        let mut sink = JsonlSink::new(Vec::new());
        let opts = RunOptions {
            batch_size: 100,
            ..Default::default()
        };
        annotate_stream(make(true), annotate, &mut sink, &opts, None, &mut (), "-").unwrap();
        assert_eq!(batches, ["ab", "c", "d"]);
        assert_eq!(sink.into_inner().iter().filter(|&&b| b == b'\n').count(), 4);
    }

    #[test]
    fn batches_are_bounded() {
        let mut input = Vec::new();
        for i in 0..50 {
            input.extend_from_slice(
                format!("{{\"id\":\"d{i}\",\"text\":\"{}\"}}\n", "x".repeat(1000)).as_bytes(),
            );
        }
        let mut largest = 0;
        let out = Shared::default();
        let mut sink = JsonlSink::new(out.clone());
        let opts = RunOptions {
            batch_size: 10,
            max_batch_bytes: 3000,
        };
        let annotate = |docs: &[Document]| {
            largest = largest.max(docs.len());
            fake(docs)
        };
        annotate_stream(
            reader(&input),
            annotate,
            &mut sink,
            &opts,
            None,
            &mut (),
            "-",
        )
        .unwrap();
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
        let (file, mut state) = OutputFile::resume(&path).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), full);
        assert_eq!(state.records, 2);
        assert_eq!(state.failed, 1);
        assert!(state.dropped_bytes > 0);
        assert!(!state.needs_newline);

        let input = b"{\"id\":\"a\",\"text\":\"x\"}\nnot json\n{\"id\":\"c\",\"text\":\"y\"}\n{\"id\":\"a\",\"text\":\"again\"}\n";
        let mut sink = JsonlSink::new(file);
        let summary = annotate_stream(
            reader(input),
            fake,
            &mut sink,
            &RunOptions::default(),
            Some(&mut state),
            &mut (),
            "out.jsonl",
        )
        .unwrap();
        drop(sink);
        assert_eq!(summary.counts.skipped, 2);
        assert_eq!(summary.counts.written, 2);
        assert_eq!(summary.counts.failed, 0);
        assert_eq!(summary.counts.earlier_failed, 1);
        assert_eq!(
            summary.exit_code(),
            1,
            "the earlier run's error record is still in the output"
        );
        assert!(
            summary
                .line()
                .contains("1 error records from the earlier run"),
            "{}",
            summary.line()
        );
        let ids: Vec<String> = fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            ids,
            ["a", "line-2", "c", "a"],
            "a duplicate id in the input is written once per occurrence"
        );
    }

    #[test]
    fn summary_line() {
        let s = RunSummary {
            counts: Counts {
                written: 10,
                failed: 1,
                empty: 2,
                skipped: 3,
                bytes: 0,
                skipped_bytes: 0,
                earlier_failed: 0,
            },
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(
            s.line(),
            "13 records: 9 annotated, 1 failed (2 empty texts among the annotated), 3 already in the output (resume) in 2.0 s (5.00 docs/s)"
        );
    }
}
