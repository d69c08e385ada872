// Tests for the Structures module are added with the module.
import XCTest
