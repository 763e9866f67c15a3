//! An [`Annotation`]'s parsed sentences as CoNLL-U, the interchange format of treebank tools:
//! `# newdoc id` before the document, `# sent_id` and `# text` per sentence, multiword tokens as
//! range lines, and in MISC the entity tag of each word (`Entity=B-PER`, from the pipeline's
//! final entities), `SpaceAfter=No` where the text has no space, and `TokenRange=start:end` (the
//! code point span in the document, as UDPipe writes it).
use crate::annotation::Annotation;
use crate::syntax::conllu::{self, MultiwordToken, Sentence, Word};

/// The sentences of `annotation` (which must carry its tokens: `PipelineConfig::tokens`).
pub fn sentences(annotation: &Annotation) -> Vec<Sentence> {
    let text = &annotation.text;
    let mut out = Vec::with_capacity(annotation.sentences.len());
    for (k, s) in annotation.sentences.iter().enumerate() {
        let Some(tokens) = annotation.tokens.get(s.first_token..s.first_token + s.token_count) else { continue };
        let mut sentence = Sentence::default();
        let id = if annotation.id.is_empty() { format!("{}", k + 1) } else { format!("{}-{}", annotation.id, k + 1) };
        sentence.comments.push(format!("sent_id = {id}"));
        let sentence_text: String = text.get(s.byte_start..s.byte_end).unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
        sentence.comments.push(format!("text = {sentence_text}"));
        let mut i = 0;
        while i < tokens.len() {
            let t = &tokens[i];
            let mut last = i;
            while last + 1 < tokens.len() && tokens[last + 1].byte_start == t.byte_start && tokens[last + 1].byte_end == t.byte_end {
                last += 1;
            }
            let space_after = text.get(t.byte_end..).and_then(|rest| rest.chars().next()).map_or(true, char::is_whitespace);
            let mut token_misc = Vec::new();
            if !space_after {
                token_misc.push("SpaceAfter=No".to_string());
            }
            token_misc.push(format!("TokenRange={}:{}", t.start, t.end));
            let entity = entity_tag(annotation, t.byte_start, t.byte_end);
            if last > i {
                sentence.multiword.push(MultiwordToken {
                    first: i + 1,
                    last: last + 1,
                    form: text.get(t.byte_start..t.byte_end).unwrap_or("").to_string(),
                    misc: token_misc.join("|"),
                });
            }
            for (j, w) in tokens.iter().enumerate().take(last + 1).skip(i) {
                let mut misc = vec![format!("Entity={entity}")];
                if last == i {
                    misc.extend(token_misc.iter().cloned());
                }
                sentence.words.push(Word {
                    id: j + 1,
                    form: w.form.clone(),
                    lemma: w.lemma.clone(),
                    upos: w.upos.clone(),
                    xpos: String::new(),
                    feats: if w.feats == "_" { String::new() } else { w.feats.clone() },
                    head: w.head.map_or(0, |h| h.saturating_sub(s.first_token) + 1),
                    deprel: w.deprel.clone(),
                    deps: String::new(),
                    misc: misc.join("|"),
                });
            }
            i = last + 1;
        }
        out.push(sentence);
    }
    out
}

/// The CoNLL-U text of one annotation, `# newdoc id = <id>` first.
pub fn to_conllu(annotation: &Annotation) -> String {
    let mut out = format!("# newdoc id = {}\n", one_line(&annotation.id));
    for s in sentences(annotation) {
        conllu::write_sentence(&mut out, &s);
    }
    out
}

/// The BIO tag of the token spanning `byte_start..byte_end` under the annotation's entities.
fn entity_tag(annotation: &Annotation, byte_start: usize, byte_end: usize) -> String {
    annotation
        .entities
        .iter()
        .find(|e| e.byte_start <= byte_start && byte_end <= e.byte_end)
        .map_or_else(|| "O".to_string(), |e| format!("{}-{}", if e.byte_start == byte_start { "B" } else { "I" }, e.label))
}

fn one_line(s: &str) -> String {
    s.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}
