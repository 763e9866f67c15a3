//! Reading documents (JSONL, .txt files, directories) and writing annotations (JSONL).
