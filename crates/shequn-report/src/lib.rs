//! Report writers: they only render results the analyses computed; they never
//! compute verdicts. Everything a message contains is escaped on output.

pub mod html;
pub mod page;
pub mod svg;
