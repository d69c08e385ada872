// Tests for the Recording module are added with the module.
import XCTest
