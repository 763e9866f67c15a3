//! Syntax around the model's syntax heads: CoNLL-U reading and writing, the tree decoder,
//! lemma edit scripts, syntactic words of raw text (contractions and enclitics), and the
//! CoNLL 2018 shared-task measures.
#[cfg_attr(not(feature = "training"), allow(dead_code))] // also holds training/evaluation code
pub mod conllu;
pub mod compounds;
pub mod export;
pub mod irregular;
#[cfg_attr(not(feature = "training"), allow(dead_code))] // also holds training/evaluation code
pub mod lemma_script;
#[cfg(feature = "training")]
pub mod score;
pub mod split;
#[cfg_attr(not(feature = "training"), allow(dead_code))] // also holds training/evaluation code
pub mod tree;
#[cfg(feature = "training")]
pub mod treebank;
