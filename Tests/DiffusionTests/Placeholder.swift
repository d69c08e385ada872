// Tests for the Diffusion module are added with the module.
import XCTest
