//! How guessable a new PIN or passphrase is, as the applicant screen shows it while the
//! applicant types. A guide, not a rule: the token model's PIN policy (length, characters) is
//! what refuses a PIN; this only tells the applicant a PIN such as `123456` or `111111` is weak.
//!
//! Written here rather than taken from a crate: `zxcvbn` (the usual choice) is a large
//! dictionary-based estimator for passwords, while token PINs are short and mostly digits;
//! the checks below (length, kinds of character, runs and repeats) are what matters for them.

/// Strength levels shown on the applicant screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PinStrength {
    Weak,
    Fair,
    Strong,
}

impl PinStrength {
    /// Message id of the level.
    pub fn message_id(self) -> &'static str {
        match self {
            Self::Weak => "pin-strength-weak",
            Self::Fair => "pin-strength-fair",
            Self::Strong => "pin-strength-strong",
        }
    }
}

/// Rates a PIN. Never stores or returns any part of it.
pub fn pin_strength(pin: &str) -> PinStrength {
    let chars: Vec<char> = pin.chars().collect();
    let n = chars.len();
    if n < 6 {
        return PinStrength::Weak;
    }
    let distinct = {
        let mut d = chars.clone();
        d.sort_unstable();
        d.dedup();
        d.len()
    };
    // 111111, 121212, 123456, 987654, abcdef: a handful of distinct characters or a run.
    let steps: Vec<i64> = chars
        .windows(2)
        .map(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0])))
        .collect();
    let run = steps.iter().all(|d| *d == steps[0]) && steps[0].abs() <= 1;
    if distinct <= 2 || run {
        return PinStrength::Weak;
    }
    let classes = [
        chars.iter().any(char::is_ascii_digit),
        chars.iter().any(char::is_ascii_lowercase),
        chars.iter().any(char::is_ascii_uppercase),
        chars.iter().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    // Eight varied digits are strong; each extra kind of character counts for two.
    let score = n + 2 * classes.saturating_sub(1) + distinct / 3;
    if distinct < 4 || score < 10 {
        PinStrength::Fair
    } else {
        PinStrength::Strong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_repeated_and_sequential_pins_are_weak() {
        for pin in [
            "", "1234", "111111", "121212", "123456", "987654", "abcdefgh",
        ] {
            assert_eq!(pin_strength(pin), PinStrength::Weak, "{pin}");
        }
    }

    #[test]
    fn six_varied_digits_are_fair_and_eight_are_strong() {
        assert_eq!(pin_strength("305917"), PinStrength::Fair);
        assert_eq!(pin_strength("31415926"), PinStrength::Strong);
    }

    #[test]
    fn mixed_characters_make_a_passphrase_strong() {
        assert_eq!(pin_strength("Bekasi-2026!"), PinStrength::Strong);
        assert!(pin_strength("tokenku9") >= PinStrength::Fair);
    }
}
