package dev.rewind.standalone.browser;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium for the browser tests, driven through an explicitly named chromedriver so that
 * Selenium Manager never looks for (or downloads) a driver or a browser. Paths from the environment:
 * {@code REWIND_CHROME} (else {@code CHROME_BIN}, else /usr/bin/chromium) and {@code CHROMEDRIVER}
 * (else /usr/bin/chromedriver) — GitHub's runners ship Google Chrome at other paths.
 */
final class Chromium {

    static final Path SCREENSHOTS = Path.of("target", "browser-screenshots");

    private Chromium() {}

    static ChromeDriver start() {
        String browser = firstSet(System.getenv("REWIND_CHROME"), System.getenv("CHROME_BIN"), "/usr/bin/chromium");
        String driver = firstSet(System.getenv("CHROMEDRIVER"), "/usr/bin/chromedriver");
        require(browser, "REWIND_CHROME (or CHROME_BIN)");
        require(driver, "CHROMEDRIVER");
        ChromeOptions options = new ChromeOptions()
                .setBinary(browser)
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run", "--window-size=1280,1100",
                        "--disable-dev-shm-usage", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(driver))
                .usingAnyFreePort()
                .build();
        ChromeDriver chrome = new ChromeDriver(service, options);
        chrome.manage().timeouts().scriptTimeout(Duration.ofSeconds(10)).pageLoadTimeout(Duration.ofSeconds(20));
        return chrome;
    }

    /** Saves a PNG of the page under target/browser-screenshots. */
    static Path screenshot(WebDriver driver, String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path target = SCREENSHOTS.resolve(name + ".png");
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private static void require(String path, String variable) {
        if (!Files.isExecutable(Path.of(path))) {
            throw new IllegalStateException("no executable at " + path + ": install Debian's chromium and chromium-driver"
                    + " (bin/test does as root) or point " + variable + " at one");
        }
    }

    private static String firstSet(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        throw new IllegalArgumentException("no value");
    }
}
