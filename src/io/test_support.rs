//! Helpers shared by the tests of the io modules: a readable writer, a stand-in annotator.
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::rc::Rc;

use serde_json::Value;

use super::{annotate_stream, JsonlSink, RecordReader, RunOptions, RunSummary, STDIN_NAME};
use crate::annotation::{Annotation, Entity, Label};
use crate::error::Result;
use crate::pipeline::Document;
use crate::text::OffsetMap;

/// A writer whose contents the test can read after handing it away.
#[derive(Clone, Default)]
pub struct Shared(Rc<RefCell<Vec<u8>>>);
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
    pub fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).unwrap()
    }
}

pub fn fake(docs: &[Document]) -> Result<Vec<Annotation>> {
    Ok(docs
        .iter()
        .map(|d| {
            let mut a = Annotation {
                id: d.id.clone(),
                text: d.text.clone(),
                ..Default::default()
            };
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

pub fn reader(input: &[u8]) -> RecordReader {
    RecordReader::from_reader(Box::new(io::Cursor::new(input.to_vec())), STDIN_NAME, false)
}

pub fn run_jsonl(
    input: &[u8],
    annotate: impl FnMut(&[Document]) -> Result<Vec<Annotation>>,
    batch: usize,
) -> (Vec<Value>, RunSummary) {
    let out = Shared::default();
    let mut sink = JsonlSink::new(out.clone());
    let opts = RunOptions {
        batch_size: batch,
        ..Default::default()
    };
    let summary = annotate_stream(
        reader(input),
        annotate,
        &mut sink,
        &opts,
        None,
        &mut (),
        "<stdout>",
    )
    .unwrap();
    let lines = out
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, summary)
}

/// Gives its chunks one `read` at a time, like a pipe fed by a slow producer.
pub struct Chunked(pub VecDeque<Vec<u8>>);
impl Read for Chunked {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let Some(mut chunk) = self.0.pop_front() else {
            return Ok(0);
        };
        let n = chunk.len().min(out.len());
        out[..n].copy_from_slice(&chunk[..n]);
        if n < chunk.len() {
            self.0.push_front(chunk.split_off(n));
        }
        Ok(n)
    }
}
