// Tests for the NN module are added with the module.
import XCTest
