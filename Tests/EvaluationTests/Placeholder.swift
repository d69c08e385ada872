// Tests for the Evaluation module are added with the module.
import XCTest
