Feature: Safety
  The screening, product choice and infusion precautions that every
  authorization carries or that a patient's findings call for.

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
      And there are no changes
      And the authorized reduced_iga is true

    Scenario Outline: A patient without known IgA deficiency keeps the requested product
      Given a request like the source case
      And iga is <iga>
      And regimen.reduced_iga is false
      When the request is assessed
      Then SAFE-IGA-PRODUCT does not apply
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

    Scenario Outline: Every request is conditioned on a cardiac and fluid assessment
      Given a request like the source case
      And cardiac_dysfunction is <dysfunction>
      When the request is assessed
      Then SAFE-CARDIAC applies
      And the conditions include SAFE-CARDIAC

      Examples:
        | dysfunction |
        | true        |
        | false       |
        | null        |

    Scenario: A continuation is conditioned on a cardiac and fluid assessment
      Given a continuation request like the source case
      When the request is assessed
      Then SAFE-CARDIAC applies
      And the conditions include SAFE-CARDIAC

  @SAFE-CARDIAC-DYSFUNCTION @cite.henderson-2021
  Rule: Depressed cardiac function calls for closer care and a divided dose
    A patient with depressed cardiac function requires close monitoring and diuretics as needed during the infusion, and the dose must be divided so that no more than 1 g/kg is given per day.

    Scenario: Reported cardiac dysfunction adds the cardiac dysfunction condition
      Given a request like the source case
      And cardiac_dysfunction is true
      When the request is assessed
      Then SAFE-CARDIAC-DYSFUNCTION applies
      And the conditions are SAFE-IGA-SCREEN, SAFE-CARDIAC, SAFE-CARDIAC-DYSFUNCTION, SAFE-HYDRATION
      And the decision is approve

    Scenario Outline: Without reported cardiac dysfunction no cardiac dysfunction condition is added
      Given a request like the source case
      And cardiac_dysfunction is <dysfunction>
      When the request is assessed
      Then SAFE-CARDIAC-DYSFUNCTION does not apply
      And the conditions do not include SAFE-CARDIAC-DYSFUNCTION

      Examples:
        | dysfunction |
        | false       |
        | null        |

    Scenario: A request that does not mention cardiac function gets no cardiac dysfunction condition
      Given a request like the source case
      And cardiac_dysfunction is not stated
      When the request is assessed
      Then SAFE-CARDIAC-DYSFUNCTION does not apply

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
      And regimen.interval_days is 21
      When the request is assessed
      Then the decision is modify
      And SAFE-HYDRATION applies

  @SAFE-AE @cite.source-assessment
  Rule: Short courses carry more infusion-related adverse effects
    Migraine headaches and fatigue are known adverse effects of IVIG. Extending a course from 2 to 3 days reduces infusion-related adverse effects.

    Scenario Outline: A course that may be given in 2 days or fewer is advised on adverse effects
      Given a request like the source case
      And regimen.days is <days>
      When the request is assessed
      Then SAFE-AE applies
      And the advice include SAFE-AE

      Examples:
        | days   |
        | [2, 3] |
        | [2, 2] |
        | 2      |
        | [1, 1] |

    Scenario Outline: A course planned over at least 3 days needs no adverse effect advice
      Given a request like the source case
      And regimen.days is <days>
      When the request is assessed
      Then SAFE-AE does not apply
      And the advice do not include SAFE-AE

      Examples:
        | days   |
        | [3, 3] |
        | [3, 5] |
        | 4      |

    Scenario: A large course planned over 3 days carries no advice at all
      Given a request like the source case
      And regimen.days is [3, 5]
      And regimen.dose_g_per_kg is not stated
      And regimen.course_total_g is 120
      And patient.sex is male
      And patient.age_years is 40
      And patient.height_cm is 180
      And patient.weight_kg is 90
      When the request is assessed
      Then the decision is approve
      And there is no advice
