//! One module per platform export format. To add a platform, write a module
//! with a type implementing [`crate::Format`] and list it in [`all`].

pub mod cn_system;
mod csv_rows;
pub mod generic_jsonl;
pub mod irc;
pub mod qq;
pub mod qq_qce;
mod qq_sender;
pub mod slack;
pub mod wechat;
pub mod wecom;

use crate::Format;

/// Every format shequn reads, in no particular order: sniffing picks by score.
pub fn all() -> &'static [&'static dyn Format] {
    &[
        &generic_jsonl::GenericJsonl,
        &irc::IrcLog,
        &qq::QqTxt,
        &qq::QqMht,
        &qq_qce::QqChatExporter,
        &slack::SlackExport,
        &slack::SlackZip,
        &slack::SlackEvents,
        &wechat::WechatCsv,
        &wecom::WecomArchive,
        &wecom::WecomRoster,
    ]
}
