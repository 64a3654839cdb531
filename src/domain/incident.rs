//! Incidents (Pasal 23, 25): problems with authentication, authenticity or non-repudiation,
//! and lost or damaged keys. Pure rules: categories, the open → closed state machine, and
//! what a record must hold. Storage and reporting live in `store::reports` and `reports`.

/// What went wrong (the categories of Pasal 23 and 25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// A private key (token) lost or stolen.
    LostKey,
    /// A token or key damaged or unusable.
    DamagedKey,
    /// A problem with authentication (someone could act as another person).
    Authentication,
    /// A problem with the authenticity of a signed document or certificate.
    Authenticity,
    /// A problem with non-repudiation (a signer could deny a signature).
    NonRepudiation,
    Other,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::LostKey,
        Category::DamagedKey,
        Category::Authentication,
        Category::Authenticity,
        Category::NonRepudiation,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::LostKey => "lost_key",
            Category::DamagedKey => "damaged_key",
            Category::Authentication => "authentication",
            Category::Authenticity => "authenticity",
            Category::NonRepudiation => "non_repudiation",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The Pasal of the regulation that obliges the report.
    pub fn pasal(self) -> &'static str {
        match self {
            Category::LostKey | Category::DamagedKey => "25",
            _ => "23, 25",
        }
    }
}

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Open, Status::Closed]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// The allowed transitions, as data: (from, action, to).
pub const TRANSITIONS: &[(Status, &str, Status)] = &[(Status::Open, "close", Status::Closed)];

/// Why an incident cannot be recorded or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentError {
    #[error("unknown incident category {given:?}")]
    UnknownCategory { given: String },
    #[error("the incident {field} is empty")]
    Empty { field: &'static str },
    #[error("the incident {field} has {len} characters, more than {max}")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("incident {id} is {status}; it cannot be {action}d")]
    Transition {
        id: String,
        status: &'static str,
        action: &'static str,
    },
}

/// Longest summary, resolution or name accepted.
pub const MAX_TEXT: usize = 2000;

/// Trims and checks a required free-text field.
pub fn required_text(field: &'static str, value: &str) -> Result<String, IncidentError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(IncidentError::Empty { field });
    }
    let len = v.chars().count();
    if len > MAX_TEXT {
        return Err(IncidentError::TooLong {
            field,
            len,
            max: MAX_TEXT,
        });
    }
    Ok(v.to_owned())
}

/// Trims an optional field; blank becomes `None`.
pub fn optional_text(
    field: &'static str,
    value: Option<&str>,
) -> Result<Option<String>, IncidentError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required_text(field, v).map(Some),
    }
}

/// The state after `action` on an incident in `from`, or why not.
pub fn transition(id: &str, from: Status, action: &'static str) -> Result<Status, IncidentError> {
    TRANSITIONS
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, to)| *to)
        .ok_or_else(|| IncidentError::Transition {
            id: id.to_owned(),
            status: from.as_str(),
            action,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_round_trips_through_its_name() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        assert_eq!(Category::parse("stolen"), None);
    }

    #[test]
    fn an_open_incident_closes_and_a_closed_one_does_not_close_again() {
        assert_eq!(
            transition("INC-000001", Status::Open, "close"),
            Ok(Status::Closed)
        );
        assert!(matches!(
            transition("INC-000001", Status::Closed, "close"),
            Err(IncidentError::Transition {
                status: "closed",
                ..
            })
        ));
    }

    #[test]
    fn blank_text_is_refused_and_optional_blank_is_none() {
        assert_eq!(
            required_text("summary", "  "),
            Err(IncidentError::Empty { field: "summary" })
        );
        assert_eq!(optional_text("reported_by", Some(" ")), Ok(None));
        assert_eq!(
            optional_text("reported_by", Some(" Budi ")),
            Ok(Some("Budi".into()))
        );
    }
}
