//! Streaming one big array out of a JSON object (`{"guild":…, "channel":…,
//! "messages":[…]}`): the small fields before the array are collected, then
//! each element is handed over as soon as it is read, so memory stays bounded
//! by one element whatever the file size.

use std::fmt;
use std::io::Read;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::limits::{JsonGuard, RecordMark};
use crate::ParseError;

/// Callbacks for [`stream_array`]: `head` gets the fields read before the array
/// (called once, also when the array is absent); `item` gets each element.
pub(crate) trait ArrayHandler<T> {
    fn head(&mut self, fields: &Map<String, Value>) -> Result<(), ParseError>;
    fn item(&mut self, item: T) -> Result<(), ParseError>;
}

/// Reads the object in `reader`, streaming its `array_key` array into `handler`.
/// Errors carry the line and column where reading stopped.
pub(crate) fn stream_array<T: DeserializeOwned, H: ArrayHandler<T>, R: Read>(
    path: &Path,
    reader: JsonGuard<R>,
    array_key: &str,
    expected: &str,
    handler: &mut H,
) -> Result<(), ParseError> {
    let mut failure = None;
    let mark = reader.mark();
    let mut de = serde_json::Deserializer::from_reader(reader);
    let seed = TopSeed { array_key, handler, failure: &mut failure, mark, _t: PhantomData::<T> };
    let result = seed.deserialize(&mut de).and_then(|()| de.end());
    match (result, failure) {
        (Err(e), Some(mut f)) => {
            if f.location.is_none() {
                f.location = Some(format!("line {}, column {}", e.line(), e.column()));
            }
            Err(f)
        }
        (Ok(()), Some(f)) => Err(f),
        (Err(e), None) => Err(ParseError::json(path, &e, expected)),
        (Ok(()), None) => Ok(()),
    }
}

struct TopSeed<'a, T, H> {
    array_key: &'a str,
    handler: &'a mut H,
    failure: &'a mut Option<ParseError>,
    mark: RecordMark,
    _t: PhantomData<T>,
}

fn keep<E: de::Error>(slot: &mut Option<ParseError>, err: ParseError) -> E {
    let text = err.message.clone();
    *slot = Some(err);
    E::custom(text)
}

impl<'de, T: DeserializeOwned, H: ArrayHandler<T>> DeserializeSeed<'de> for TopSeed<'_, T, H> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned, H: ArrayHandler<T>> Visitor<'de> for TopSeed<'_, T, H> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with a \"{}\" array", self.array_key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut fields = Map::new();
        let mut head_done = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.array_key && !head_done {
                head_done = true;
                self.handler.head(&fields).map_err(|e| keep(self.failure, e))?;
                map.next_value_seed(Items {
                    handler: &mut *self.handler,
                    failure: &mut *self.failure,
                    mark: self.mark.clone(),
                    _t: PhantomData::<T>,
                })?;
            } else {
                let v: Value = map.next_value()?;
                fields.insert(key, v);
            }
        }
        if !head_done {
            self.handler.head(&fields).map_err(|e| keep(self.failure, e))?;
        }
        Ok(())
    }
}

struct Items<'a, T, H> {
    handler: &'a mut H,
    failure: &'a mut Option<ParseError>,
    /// Each element is one record for the `json_record_mib` limit.
    mark: RecordMark,
    _t: PhantomData<T>,
}

impl<'de, T: DeserializeOwned, H: ArrayHandler<T>> DeserializeSeed<'de> for Items<'_, T, H> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: DeserializeOwned, H: ArrayHandler<T>> Visitor<'de> for Items<'_, T, H> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.mark.start();
            let Some(item) = seq.next_element::<T>()? else { break };
            self.handler.item(item).map_err(|e| keep(self.failure, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        heads: Vec<Map<String, Value>>,
        items: Vec<u32>,
    }

    impl ArrayHandler<u32> for Collect {
        fn head(&mut self, fields: &Map<String, Value>) -> Result<(), ParseError> {
            self.heads.push(fields.clone());
            Ok(())
        }
        fn item(&mut self, item: u32) -> Result<(), ParseError> {
            if item == 99 {
                return Err(ParseError::new(Path::new("f"), "no 99s"));
            }
            self.items.push(item);
            Ok(())
        }
    }

    fn guard(bytes: &'static [u8]) -> JsonGuard<&'static [u8]> {
        JsonGuard::new(bytes, &crate::Limits::default())
    }

    #[test]
    fn an_element_past_the_record_limit_fails_naming_it_and_the_head_is_not_counted() {
        let limits = crate::Limits { json_record_mib: 1, ..crate::Limits::default() };
        let big = "x".repeat(3 << 20);
        // A large field before the array is not a record.
        let ok = format!(r#"{{"a":"{big}","xs":[1,2]}}"#).into_bytes();
        let mut c = Collect::default();
        stream_array(Path::new("f"), JsonGuard::new(&ok[..], &limits), "xs", "test JSON", &mut c).unwrap();
        assert_eq!(c.items, vec![1, 2]);
        #[derive(serde::Deserialize)]
        struct S(#[allow(dead_code)] String);
        struct Strings;
        impl ArrayHandler<S> for Strings {
            fn head(&mut self, _: &Map<String, Value>) -> Result<(), ParseError> {
                Ok(())
            }
            fn item(&mut self, _: S) -> Result<(), ParseError> {
                Ok(())
            }
        }
        let bad = format!(r#"{{"xs":["a","{big}"]}}"#).into_bytes();
        let err = stream_array(Path::new("f"), JsonGuard::new(&bad[..], &limits), "xs", "test JSON", &mut Strings)
            .unwrap_err();
        assert!(err.message.contains("json_record_mib = 1"), "{err}");
    }

    #[test]
    fn head_fields_then_items_in_order() {
        let mut c = Collect::default();
        stream_array(Path::new("f"), guard(br#"{"a":1,"xs":[1,2,3],"b":2}"#), "xs", "test JSON", &mut c).unwrap();
        assert_eq!(c.heads.len(), 1);
        assert_eq!(c.heads[0].get("a"), Some(&Value::from(1)));
        assert!(c.heads[0].get("b").is_none());
        assert_eq!(c.items, vec![1, 2, 3]);
    }

    #[test]
    fn a_handler_failure_gets_the_line() {
        let mut c = Collect::default();
        let err = stream_array(Path::new("f"), guard(b"{\"xs\":[1,\n99]}"), "xs", "test JSON", &mut c).unwrap_err();
        assert_eq!(err.message, "no 99s");
        assert!(err.location.unwrap().starts_with("line 2"));
    }
}
