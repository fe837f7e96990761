//! One module per platform export format. To add a platform, write a module
//! with a type implementing [`crate::Format`] and list it in [`all`].

pub mod chatlab;
pub mod discord;
pub mod generic_jsonl;
mod json_stream;
pub mod telegram;
pub mod whatsapp;

use crate::Format;

/// Every format shequn reads, in no particular order: sniffing picks by score.
pub fn all() -> &'static [&'static dyn Format] {
    &[&generic_jsonl::GenericJsonl, &telegram::Telegram, &discord::Discord, &whatsapp::WhatsApp, &chatlab::ChatLab]
}
