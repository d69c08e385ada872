// Tests for the Data module are added with the module.
import XCTest
