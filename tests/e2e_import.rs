//! End-to-end tests of mulu import (being written).
