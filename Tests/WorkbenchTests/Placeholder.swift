// Tests for the Workbench module are added with the module.
import XCTest
