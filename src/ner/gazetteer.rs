//! LOC spans that name a sovereign state become STATE; every entity gets a canonical name.
