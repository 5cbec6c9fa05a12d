pub mod rrule;
