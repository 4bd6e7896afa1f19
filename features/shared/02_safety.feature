Feature: Safety
  The screening, product choice and infusion precautions every including
  policy attaches to its authorizations. Each example runs under every policy
  that includes the statement, from that policy's own source case.

  @SAFE-IGA-SCREEN @cite.source-assessment @cite.octagam-label
  Rule: Serum IgA is checked before the first administration
    Serum IgA must be checked before the first IVIG administration, because IgA deficiency can cause severe anaphylaxis through anti-IgA antibodies.

    Scenario: A first request with an unknown IgA status is conditioned on IgA screening
      Given a request like the source case
      And iga is unknown
      When the request is assessed
      Then SAFE-IGA-SCREEN applies
      And the conditions include SAFE-IGA-SCREEN
      And the decision is approve

    Scenario: A first request that does not state IgA status is conditioned on IgA screening
      Given a request like the source case
      And iga is not stated
      When the request is assessed
      Then SAFE-IGA-SCREEN applies
      And the conditions include SAFE-IGA-SCREEN

    Scenario Outline: A first request with a known IgA status needs no screening condition
      Given a request like the source case
      And iga is <iga>
      When the request is assessed
      Then SAFE-IGA-SCREEN does not apply
      And SAFE-IGA-SCREEN is not applicable
      And the conditions do not include SAFE-IGA-SCREEN

      Examples:
        | iga       |
        | normal    |
        | deficient |

    Scenario Outline: IgA screening is not asked again on a continuation
      Given a continuation request like the source case
      And iga is <iga>
      When the request is assessed
      Then SAFE-IGA-SCREEN does not apply
      And SAFE-IGA-SCREEN is not applicable
      And the conditions do not include SAFE-IGA-SCREEN

      Examples:
        | iga     |
        | unknown |
        | normal  |

    Scenario: A continuation that does not state IgA status is not conditioned on screening
      Given a continuation request like the source case
      When the request is assessed
      Then SAFE-IGA-SCREEN does not apply
      And the conditions are SAFE-CARDIAC, SAFE-HYDRATION

  @SAFE-IGA-PRODUCT @cite.source-assessment @cite.octagam-label
  Rule: IgA deficiency calls for a reduced-IgA product
    A patient with IgA deficiency must receive an IVIG product with reduced IgA content.

    Scenario: An IgA-deficient patient requested on a standard product is switched to a reduced-IgA product
      Given a request like the source case
      And iga is deficient
      And regimen.reduced_iga is false
      When the request is assessed
      Then the decision is modify
      And SAFE-IGA-PRODUCT applies
      And reduced_iga is changed from false to true by SAFE-IGA-PRODUCT
      And the authorized reduced_iga is true

    Scenario: An IgA-deficient patient whose product is not stated is authorized a reduced-IgA product
      Given a request like the source case
      And iga is deficient
      When the request is assessed
      Then the decision is modify
      And SAFE-IGA-PRODUCT applies
      And reduced_iga is changed from null to true by SAFE-IGA-PRODUCT
      And the authorized reduced_iga is true

    Scenario: An IgA-deficient patient already requested on a reduced-IgA product is not changed
      Given a request like the source case
      And iga is deficient
      And regimen.reduced_iga is true
      When the request is assessed
      Then the decision is approve
      And SAFE-IGA-PRODUCT does not apply
      And SAFE-IGA-PRODUCT is met
      And there are no changes
      And the authorized reduced_iga is true

    Scenario Outline: A patient without known IgA deficiency keeps the requested product
      Given a request like the source case
      And iga is <iga>
      And regimen.reduced_iga is false
      When the request is assessed
      Then SAFE-IGA-PRODUCT does not apply
      And SAFE-IGA-PRODUCT is not applicable
      And there are no changes
      And the authorized reduced_iga is false

      Examples:
        | iga     |
        | normal  |
        | unknown |

  @SAFE-CARDIAC @cite.henderson-2021
  Rule: Cardiac function and fluid status are evaluated before each infusion
    Cardiac function and fluid status must be evaluated before each infusion.

    Scenario: The source case is conditioned on a cardiac and fluid assessment
      Given a request like the source case
      When the request is assessed
      Then SAFE-CARDIAC applies
      And the conditions include SAFE-CARDIAC

    Scenario Outline: Every request is conditioned on a cardiac and fluid assessment, whatever its decision
      Given a request like the source case
      And regimen.interval_days is <interval>
      When the request is assessed
      Then the decision is <decision>
      And SAFE-CARDIAC applies
      And the conditions include SAFE-CARDIAC

      Examples:
        | interval | decision |
        | 7        | modify   |
        | 60       | approve  |

    Scenario: A continuation is conditioned on a cardiac and fluid assessment
      Given a continuation request like the source case
      When the request is assessed
      Then SAFE-CARDIAC applies
      And the conditions include SAFE-CARDIAC

  @SAFE-HYDRATION @cite.source-assessment
  Rule: The patient is hydrated before and during infusions
    The patient must be adequately hydrated before and during each infusion.

    Scenario: The source case is conditioned on adequate hydration
      Given a request like the source case
      When the request is assessed
      Then SAFE-HYDRATION applies
      And the conditions include SAFE-HYDRATION

    Scenario: A continuation is conditioned on adequate hydration
      Given a continuation request like the source case
      When the request is assessed
      Then SAFE-HYDRATION applies
      And the conditions include SAFE-HYDRATION

    Scenario: A modified request is still conditioned on adequate hydration
      Given a request like the source case
      And regimen.interval_days is 7
      When the request is assessed
      Then the decision is modify
      And SAFE-HYDRATION applies
