//! Stage 1: paragraphs and sentences with code point and byte offsets.
use crate::text::Span;

/// A sentence and the paragraph (index into [`Segmentation::paragraphs`]) it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub span: Span,
    pub paragraph: usize,
}

/// Paragraphs (separated by newlines) and sentences of a text, in order, covering no whitespace
/// at their edges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segmentation {
    pub paragraphs: Vec<Span>,
    pub sentences: Vec<Sentence>,
}

/// Splits `text` into paragraphs and sentences.
pub fn segment(text: &str) -> Segmentation {
    // Placeholder until the Spanish-aware splitter lands: one sentence per paragraph.
    let map = crate::text::OffsetMap::new(text);
    let mut seg = Segmentation::default();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let lead = line.len() - line.trim_start().len();
            let b0 = offset + lead;
            let span = map.span_from_bytes(b0, b0 + trimmed.len());
            seg.sentences.push(Sentence { span, paragraph: seg.paragraphs.len() });
            seg.paragraphs.push(span);
        }
        offset += line.len();
    }
    seg
}
