Feature: Safety
  The screening, product choice and infusion precautions that every
  authorization carries or that a patient's findings call for.

  @SAFE-IGA-SCREEN @include
  Rule: Included from the shared statements

  @SAFE-IGA-PRODUCT @include
  Rule: Included from the shared statements

  @SAFE-CARDIAC @include
  Rule: Included from the shared statements

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
      And SAFE-CARDIAC-DYSFUNCTION is not applicable
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

  @SAFE-HYDRATION @include
  Rule: Included from the shared statements

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
      And SAFE-AE is not applicable
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
