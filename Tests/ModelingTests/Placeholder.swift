// Tests for the Modeling module are added with the module.
import XCTest
