//! One module per platform export format. To add a platform, write a module
//! with a type implementing [`crate::Format`] and list it in [`all`].

pub mod chatlab;
pub mod cn_system;
pub(crate) mod csv_rows;
pub mod discord;
pub mod discord_csv;
pub mod discord_html;
pub mod generic_jsonl;
pub mod google_chat;
mod html_text;
pub mod irc;
pub mod irc_loggers;
mod json_stream;
pub mod line;
pub mod matrix_export;
pub mod mattermost;
pub mod messenger;
pub mod qq;
pub mod qq_qce;
mod qq_sender;
pub mod quassel;
mod relay;
pub mod signal;
pub mod slack;
pub mod telegram;
pub mod telegram_html;
pub mod wechat;
pub mod wechat_exporter;
pub mod wechat_json;
pub mod wechat_text;
pub mod wecom;
pub mod whatsapp;
pub mod zulip;

use crate::Format;

/// Every format shequn reads, in no particular order: sniffing picks by score.
pub fn all() -> &'static [&'static dyn Format] {
    &[
        &chatlab::ChatLab,
        &discord::Discord,
        &discord_csv::DiscordCsv,
        &discord_html::DiscordHtml,
        &generic_jsonl::GenericJsonl,
        &google_chat::GoogleChat,
        &irc::IrcLog,
        &line::Line,
        &matrix_export::MatrixExport,
        &mattermost::Mattermost,
        &messenger::Messenger,
        &messenger::Instagram,
        &irc_loggers::LIMNORIA,
        &irc_loggers::EGGDROP,
        &irc_loggers::DIRCPROXY,
        &irc_loggers::IRSSI,
        &irc_loggers::WEECHAT,
        &irc_loggers::HEXCHAT,
        &irc_loggers::ZNC,
        &irc_loggers::ENERGYMECH,
        &irc_loggers::MIRC,
        &irc_loggers::THELOUNGE,
        &qq::QqTxt,
        &qq::QqMht,
        &qq_qce::QqChatExporter,
        &quassel::QuasselDb,
        &signal::Signal,
        &slack::SlackExport,
        &slack::SlackZip,
        &slack::SlackEvents,
        &telegram::Telegram,
        &telegram_html::TelegramHtml,
        &wechat::WechatCsv,
        &wechat_exporter::WechatExporterTxt,
        &wechat_json::PyWxDumpJson,
        &wechat_json::ChatlogJson,
        &wechat_json::MemoTraceJson,
        &wechat_json::MemoTraceHtml,
        &wechat_text::MemoTraceTxt,
        &wechat_text::ChatlogText,
        &wecom::WecomArchive,
        &wecom::WecomRoster,
        &whatsapp::WhatsApp,
        &zulip::ZulipArchive,
        &zulip::ZulipExport,
    ]
}
