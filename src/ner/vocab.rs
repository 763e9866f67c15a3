//! Pruning the 250k-piece XLM-R vocabulary to the pieces Spanish text can use.
//!
//! Rule: keep the four special pieces, every single-character piece (of any script, so that
//! no character of a foreign name turns into `<unk>`), and every piece written only with
//! Latin-1 characters and common punctuation. The Unigram tokenizer picks the best
//! segmentation among the pieces it has; a text written in Latin-1 can only be segmented into
//! Latin-1 pieces, all of which are kept, so its segmentation is unchanged by the pruning.
use serde_json::Value;

use crate::error::{Error, Result};

/// Whether a vocabulary piece survives pruning.
pub fn keep_piece(id: usize, piece: &str) -> bool {
    if id < 4 {
        return true;
    }
    let body = piece.trim_start_matches('\u{2581}');
    if body.chars().count() <= 1 {
        return true;
    }
    piece.chars().all(|c| {
        let o = c as u32;
        o < 0x100 || c == '\u{2581}' || (0x2010..=0x2027).contains(&o) || c == '€'
    })
}

/// Ids (in the original vocabulary) of the pieces of `tokenizer.json` that survive pruning.
pub fn kept_ids(tokenizer_json: &Value) -> Result<Vec<usize>> {
    let vocab = unigram_vocab(tokenizer_json)?;
    Ok(vocab
        .iter()
        .enumerate()
        .filter(|(id, entry)| entry[0].as_str().map_or(false, |p| keep_piece(*id, p)))
        .map(|(id, _)| id)
        .collect())
}

fn unigram_vocab(tokenizer_json: &Value) -> Result<&Vec<Value>> {
    if tokenizer_json["model"]["type"] != "Unigram" {
        return Err(Error::Tokenizer("tokenizer.json is not a Unigram (SentencePiece) model".into()));
    }
    tokenizer_json["model"]["vocab"].as_array().ok_or_else(|| Error::Tokenizer("tokenizer.json has no model.vocab".into()))
}

/// A copy of `tokenizer.json` holding only the pieces `keep` (ascending original ids), renumbered
/// 0.. in the same order; special tokens keep their ids (they are the first four pieces).
pub fn prune_tokenizer_json(tokenizer_json: &Value, keep: &[usize]) -> Result<Value> {
    let vocab = unigram_vocab(tokenizer_json)?;
    let mut new_id = vec![None; vocab.len()];
    for (i, &old) in keep.iter().enumerate() {
        if old >= vocab.len() {
            return Err(Error::Tokenizer(format!("piece id {old} beyond the vocabulary")));
        }
        new_id[old] = Some(i);
    }
    let remap = |old: &Value| old.as_u64().and_then(|o| new_id.get(o as usize).copied().flatten());
    let mut out = tokenizer_json.clone();
    out["model"]["vocab"] = Value::Array(keep.iter().map(|&i| vocab[i].clone()).collect());
    let unk = remap(&tokenizer_json["model"]["unk_id"]).ok_or_else(|| Error::Tokenizer("<unk> was pruned".into()))?;
    out["model"]["unk_id"] = unk.into();
    if let Some(added) = out["added_tokens"].as_array_mut() {
        added.retain_mut(|t| match remap(&t["id"]) {
            Some(id) => {
                t["id"] = id.into();
                true
            }
            None => false,
        });
    }
    if let Some(specials) = out["post_processor"]["special_tokens"].as_object_mut() {
        for token in specials.values_mut() {
            if let Some(ids) = token["ids"].as_array_mut() {
                for id in ids.iter_mut() {
                    *id = remap(id).ok_or_else(|| Error::Tokenizer("a special token was pruned".into()))?.into();
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_latin_and_single_characters() {
        assert!(keep_piece(0, "<s>"));
        assert!(keep_piece(10, "\u{2581}canciller"));
        assert!(keep_piece(10, "ñó"));
        assert!(keep_piece(10, "王"));
        assert!(!keep_piece(10, "王毅"));
        assert!(!keep_piece(10, "\u{2581}Лавров"));
    }

    #[test]
    fn renumbers_pieces_and_specials() {
        let tok = json!({
            "added_tokens": [{"id": 0, "content": "<s>"}, {"id": 5, "content": "<mask>"}],
            "post_processor": {"special_tokens": {"</s>": {"ids": [2]}}},
            "model": {"type": "Unigram", "unk_id": 3,
                      "vocab": [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0], ["王毅", -1.0], ["<mask>", 0.0], ["\u{2581}la", -2.0]]}
        });
        let keep = kept_ids(&tok).unwrap();
        assert_eq!(keep, vec![0, 1, 2, 3, 5, 6]);
        let pruned = prune_tokenizer_json(&tok, &keep).unwrap();
        assert_eq!(pruned["model"]["vocab"].as_array().unwrap().len(), 6);
        assert_eq!(pruned["model"]["vocab"][5][0], "\u{2581}la");
        assert_eq!(pruned["added_tokens"][1]["id"], 4);
        let without_mask = prune_tokenizer_json(&tok, &[0, 1, 2, 3, 6]).unwrap();
        assert_eq!(without_mask["added_tokens"].as_array().unwrap().len(), 1);
        assert_eq!(pruned["post_processor"]["special_tokens"]["</s>"]["ids"][0], 2);
    }
}
