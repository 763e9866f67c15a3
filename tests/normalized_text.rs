//! The pipeline (with the shipped model) on text in decomposed Unicode or with zero-width
//! characters: the same entities and claims as on the precomposed text, with offsets and
//! strings of the original text.
use portavoz::{Annotation, Pipeline, PipelineConfig};

fn chars(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

fn assert_offsets_slice(a: &Annotation, original: &str) {
    assert_eq!(a.text, original);
    for e in &a.entities {
        assert_eq!(&original[e.byte_start..e.byte_end], e.text);
        assert_eq!(chars(original, e.start, e.end), e.text);
    }
    for c in &a.claims {
        assert_eq!(chars(original, c.content_start, c.content_end), c.content);
        if let (Some(s), Some(e), Some(cue)) = (c.cue_start, c.cue_end, &c.cue) {
            assert_eq!(&chars(original, s, e), cue);
        }
    }
    for t in &a.tokens {
        assert_eq!(
            &original[t.byte_start..t.byte_end],
            t.multiword.as_deref().unwrap_or(&t.form)
        );
    }
}

#[test]
fn decomposed_accents_and_zero_width_joiners_give_the_precomposed_result() {
    let pipeline = Pipeline::new(PipelineConfig::default().tokens(true)).unwrap();
    let precomposed = "Pedro Gutiérrez afirmó que España apoya el diálogo. Lin Hao dijo que China rechaza el unilateralismo.";
    let odd = "\u{FEFF}Pedro Gutie\u{301}rrez afirmo\u{301} que Espan\u{303}a apoya el dia\u{301}logo. Lin\u{200D} Hao dijo que China rechaza el unilateralismo.";
    let reference = pipeline.annotate(precomposed).unwrap();
    let got = pipeline.annotate(odd).unwrap();
    assert_offsets_slice(&got, odd);
    let canonical = |a: &Annotation| {
        a.entities
            .iter()
            .map(|e| (e.canonical.clone(), e.label))
            .collect::<Vec<_>>()
    };
    assert_eq!(canonical(&got), canonical(&reference));
    let claims = |a: &Annotation| {
        a.claims
            .iter()
            .map(|c| (c.speaker.clone(), c.mode, c.stances.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(claims(&got), claims(&reference));
    assert!(!reference.claims.is_empty());
    assert_eq!(got.claims[0].cue.as_deref(), Some("afirmo\u{301}"));
    assert_eq!(got.tokens.len(), reference.tokens.len());
}
